/** key-rotation, declared once: rotate tagged instances' SSH key pairs, the private key stored in Secrets Manager first. */
import { cellText, type RunReport } from "../../lib/report/report.ts";
import { defineFunction, keyOf, type Outcome, type RunContext } from "../../lib/runtime/spec.ts";
import { errorRecord } from "../../lib/tencent/errors.ts";
import { rotateRegion, StepError } from "./apply.ts";
import { readView } from "./collect.ts";
import { loadConfig, SETTINGS, type KeyRotationConfig } from "./config.ts";
import {
  KINDS,
  planFor,
  planRegion,
  toDecisions,
  type RegionPlan,
  type RegionView,
  type RotationKind,
} from "./plan.ts";
import { tagText } from "../../lib/runtime/scope-words.ts";

export type KeyRotationReport = RunReport;

/** What apply needs of a region beyond its decisions: the plan and the view it was made from (the runner carries it). */
type Carried = { plan: RegionPlan; view: RegionView };

export default defineFunction<KeyRotationConfig, RotationKind, Carried>({
  name: "key-rotation",
  description: "Rotate the SSH key pairs of tagged instances, private keys stored in Secrets Manager first",
  schedule: "0 3 * * 1",
  settings: SETTINGS,
  scope: (c) =>
    `instances tagged ${tagText(c.scopeTag)} whose key is over ${c.maxAgeDays} days old (at most ${c.maxInstances} a run${c.allowForceStop ? ", running ones force-stopped" : ", running ones left for later"})`,
  // Key pairs in CVM, their private halves in Secrets Manager (stored before import, retired after).
  calls: [
    "DescribeInstances",
    "DescribeKeyPairs",
    "ListSecrets",
    "DescribeSecret",
    "CreateSecret",
    "GetSecretValue",
    "ImportKeyPair",
    "AssociateInstancesKeyPairs",
    "DisassociateInstancesKeyPairs",
    "DeleteKeyPairs",
    "DisableSecret",
    "DeleteSecret",
  ],
  loadConfig,
  kinds: KINDS,
  // The key pair each write is about: the one bound to an instance, or the one made or retired.
  columns: () => [{ head: "key", cell: (d) => cellText(d.detail?.key ?? (d.name || d.id)), keep: true }],
  async decide(ctx: RunContext<KeyRotationConfig>, region) {
    const view = await readView(ctx.client, region, ctx.config, ctx.only);
    const plan = planRegion(view, ctx.config, ctx.now);
    return {
      decisions: toDecisions(plan, view, ctx.config.keyPrefix),
      errors: plan.problems.map((pr) => ({ region, ...pr })),
      carry: { plan, view },
    };
  },
  async apply(ctx, acting, carried) {
    const out = new Map<string, Outcome>();
    const regions = [...new Set(acting.map((d) => d.region))];
    await Promise.all(
      regions.map(async (region) => {
        const { plan, view } = carried.get(region)!;
        const mine = acting.filter((d) => d.region === region);
        const retire = mine.filter((d) => d.kind === "retired-key").map((d) => d.id);
        try {
          // Only what the runner handed over: it may have refused writes outside a trigger's instances.
          const handed = planFor(plan, mine);
          for (const [k, o] of await rotateRegion(ctx.client, handed, view, ctx.config, ctx.sleep, retire))
            out.set(k, o);
        } catch (err) {
          // A step that must not be passed: every step of this region not yet done fails with its reason.
          const e = err instanceof StepError ? err.entry : errorRecord(err);
          for (const d of mine)
            if (!out.has(keyOf(d)))
              out.set(keyOf(d), { status: "failed", code: e.code, message: e.message, requestId: e.requestId });
        }
      }),
    );
    return out;
  },
});
