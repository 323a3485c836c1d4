/** What a webhook body may ask: only to narrow the run. */
import * as z from "zod/mini";
import { REGION } from "../config/fields.ts";

const FIELDS = ["dryRun", "regions", "instanceIds"];

export const webhookBodySchema = z.strictObject(
  {
    dryRun: z.optional(z.boolean({ error: "must be true or false" })),
    regions: z.optional(
      z
        .array(
          z.string({ error: "must be a string" }).check(z.regex(REGION, "must be region names such as ap-guangzhou")),
          { error: "must be a list of region names" },
        )
        .check(z.maxLength(50, "at most 50 regions")),
    ),
    instanceIds: z.optional(
      z
        .array(
          z
            .string({ error: "must be a string" })
            .check(z.regex(/^ins-[a-z0-9]{8}$/, "must be instance ids such as ins-r8hr2upy")),
          { error: "must be a list of instance ids" },
        )
        .check(z.maxLength(1000, "at most 1000 instance ids")),
    ),
  },
  {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown field(s) ${iss.keys.join(", ")}: a body may set only ${FIELDS.join(", ")}`
        : "must be a JSON object",
  },
);
export type WebhookBody = z.output<typeof webhookBodySchema>;
