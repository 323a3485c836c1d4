/** renew-flag settings, from env (issue 7). */
import { z } from "zod";
import { baseSchema, csv, parseEnv, positiveInt, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { parseTag, type TagMatch } from "../../lib/config/parsers.ts";
import { RENEW_FLAGS, type RenewFlag } from "../../lib/tencent/types.ts";

export interface RenewRule {
  tag: TagMatch;
  flag: RenewFlag;
}

const FLAG_HELP = `one of ${RENEW_FLAGS.join(", ")}`;
const isFlag = (v: string): v is RenewFlag => (RENEW_FLAGS as readonly string[]).includes(v);

const schema = baseSchema.extend({
  // `key=value:FLAG,...`; the first matching rule wins, so order is priority.
  RENEW_RULES: z.string().optional().transform((v, ctx) => {
    const rules: RenewRule[] = [];
    for (const item of csv(v)) {
      const colon = item.lastIndexOf(":");
      const tag = colon > 0 ? parseTag(item.slice(0, colon)) : undefined;
      const flag = item.slice(colon + 1).trim();
      if (!tag) ctx.addIssue({ code: "custom", message: `"${item}" is not key=value:FLAG (e.g. env=prod:NOTIFY_AND_AUTO_RENEW)` });
      else if (!isFlag(flag)) ctx.addIssue({ code: "custom", message: `"${flag}" in "${item}" is not a renew flag: expected ${FLAG_HELP}` });
      else rules.push({ tag, flag });
    }
    return rules;
  }),
  RENEW_DEFAULT_FLAG: z.string().optional().refine((v) => v === undefined || v === "" || isFlag(v), { message: `expected ${FLAG_HELP}` })
    .transform((v) => (v ? (v as RenewFlag) : undefined)),
  RENEW_WARN_DAYS: positiveInt(7),
});

export interface RenewPolicy {
  rules: RenewRule[];
  defaultFlag: RenewFlag | undefined;
  warnDays: number;
}

export interface RenewConfig extends BaseConfig {
  policy: RenewPolicy;
}

export function loadConfig(env: Env = process.env): RenewConfig {
  const e = parseEnv(schema, env);
  return { ...toBaseConfig(e), policy: { rules: e.RENEW_RULES, defaultFlag: e.RENEW_DEFAULT_FLAG, warnDays: e.RENEW_WARN_DAYS } };
}
