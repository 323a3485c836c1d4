/**
 * Decides each prepaid instance's renew flag. Pure. Precedence: the instance's own
 * `autopilot:renew=<FLAG>` tag, then the first matching RENEW_RULES entry, then
 * RENEW_DEFAULT_FLAG; with none of them the instance is left alone.
 */
import type { Decision } from "../../lib/runtime/spec.ts";
import { RENEW_FLAGS, type Instance, type RenewFlag } from "../../lib/tencent/data-types.ts";
import { normalizeTags, tagValue } from "../../lib/tencent/normalize.ts";
import type { RenewPolicy } from "./config.ts";

/** Why a flag is written or left: statistics and messages read the kind, never the reason. */
export const KINDS = {
  "to-auto-renew": "to NOTIFY_AND_AUTO_RENEW",
  "to-manual-renew": "to NOTIFY_AND_MANUAL_RENEW",
  "to-disable-notify": "to DISABLE_NOTIFY_AND_MANUAL_RENEW",
  compliant: "compliant",
  "no-policy": "no rule matches",
  "bad-override-tag": "invalid override tag",
} as const;
export type RenewKind = keyof typeof KINDS;

const CHANGE_KIND: Record<RenewFlag, RenewKind> = {
  NOTIFY_AND_AUTO_RENEW: "to-auto-renew",
  NOTIFY_AND_MANUAL_RENEW: "to-manual-renew",
  DISABLE_NOTIFY_AND_MANUAL_RENEW: "to-disable-notify",
};

export const OVERRIDE_TAG = "autopilot:renew";

export type RegionalInstance = Instance & { Region: string };

/** Which flags: the instance's now, and the one policy wants (none when no rule decides). */
export type RenewDetail = { from: RenewFlag | null; to?: RenewFlag };
/** A decision about one prepaid instance; `detail.from` / `detail.to` say which flags. */
export type RenewDecision = Decision<RenewKind, RenewDetail> & { detail: RenewDetail };

export interface ExpiryWarning {
  instanceId: string;
  /** The machine's name, so a message names the machine people know (tenant text: shown inert). */
  name?: string | undefined;
  region: string;
  expiredTime: string;
  daysLeft: number;
  renewFlag: RenewFlag | null | undefined;
  restrictState: string;
  message: string;
}

/** The flag policy wants for an instance, and why; undefined when policy says nothing. */
export function desiredFlag(
  inst: Instance,
  policy: RenewPolicy,
): { flag: RenewFlag; reason: string } | { flag: undefined; kind: RenewKind; reason: string } {
  const tags = normalizeTags(inst.Tags);
  const override = tagValue(tags, OVERRIDE_TAG);
  if (override !== undefined) {
    if ((RENEW_FLAGS as readonly string[]).includes(override))
      return { flag: override as RenewFlag, reason: `override tag ${OVERRIDE_TAG}=${override}` };
    return {
      flag: undefined,
      kind: "bad-override-tag",
      reason: `ignored invalid tag ${OVERRIDE_TAG}=${override}: expected one of ${RENEW_FLAGS.join(", ")}`,
    };
  }
  const matching = policy.rules.filter((r) => tagValue(tags, r.tag.key) === r.tag.value);
  if (matching.length) {
    const first = matching[0]!;
    const conflict = matching.some((r) => r.flag !== first.flag)
      ? ` (first matching rule wins over ${matching
          .slice(1)
          .filter((r) => r.flag !== first.flag)
          .map((r) => `${r.tag.key}=${r.tag.value}:${r.flag}`)
          .join(", ")})`
      : "";
    return { flag: first.flag, reason: `rule ${first.tag.key}=${first.tag.value}${conflict}` };
  }
  if (policy.defaultFlag) return { flag: policy.defaultFlag, reason: "RENEW_DEFAULT_FLAG" };
  return { flag: undefined, kind: "no-policy", reason: "no rule matches and RENEW_DEFAULT_FLAG is unset" };
}

/**
 * `region` names where a listing's rows came from (a listing's rows carry none, and copying each
 * row to add it costs a large fleet's run more than the plan itself); else each row's own Region.
 */
export function plan(
  instances: ReadonlyArray<Instance & { Region?: string }>,
  policy: RenewPolicy,
  now: Date,
  region?: string,
): { decisions: RenewDecision[]; warnings: ExpiryWarning[] } {
  const decisions: RenewDecision[] = [];
  const warnings: ExpiryWarning[] = [];
  for (const inst of instances) {
    if (inst.InstanceChargeType !== "PREPAID") continue; // POSTPAID/CDHPAID have no renew flag to keep
    const want = desiredFlag(inst, policy);
    const where = region ?? inst.Region ?? "";
    const from = inst.RenewFlag ?? null;
    // Each decision written out, not `{ ...base, kind }`: on Node 20 a spread followed by more
    // fields gives every object a hidden class of its own, 2–4 µs to make (see auto-stop's plan.ts).
    const id = inst.InstanceId;
    const name = inst.InstanceName;
    const d: RenewDecision = !want.flag
      ? { id, region: where, name, kind: want.kind, reason: want.reason, detail: { from } }
      : want.flag === inst.RenewFlag
        ? { id, region: where, name, kind: "compliant", reason: want.reason, detail: { from, to: want.flag } }
        : {
            id,
            region: where,
            name,
            kind: CHANGE_KIND[want.flag],
            action: "set-renew-flag",
            reason: want.reason,
            detail: { from, to: want.flag },
          };
    decisions.push(d);
    const w = expiryWarning(inst, where, d.detail.to ?? inst.RenewFlag, policy, now);
    if (w) warnings.push(w);
  }
  return { decisions, warnings };
}

/** The warning for a machine whose flag (as it will be) does not auto-renew and that expires within RENEW_WARN_DAYS or is restricted. */
function expiryWarning(
  inst: Instance,
  where: string,
  effective: RenewFlag | null | undefined,
  policy: RenewPolicy,
  now: Date,
): ExpiryWarning | undefined {
  const expires = inst.ExpiredTime ? Date.parse(inst.ExpiredTime) : NaN;
  const restrict = inst.RestrictState ?? "NORMAL";
  if (!Number.isFinite(expires) || effective === "NOTIFY_AND_AUTO_RENEW") return undefined;
  const daysLeft = Math.floor((expires - now.getTime()) / 86400_000);
  if (daysLeft > policy.warnDays && restrict === "NORMAL") return undefined;
  const state =
    restrict === "EXPIRED"
      ? "has EXPIRED"
      : restrict === "PROTECTIVELY_ISOLATED"
        ? "is PROTECTIVELY_ISOLATED"
        : daysLeft < 0
          ? `expired ${-daysLeft} day(s) ago`
          : daysLeft === 0
            ? "expires today"
            : `expires in ${daysLeft} day(s)`;
  const who = `${inst.InstanceName ? `${inst.InstanceName} ` : ""}(${[inst.InstanceId, where].filter(Boolean).join(", ")})`;
  return {
    instanceId: inst.InstanceId,
    ...(inst.InstanceName ? { name: inst.InstanceName } : {}),
    region: where,
    expiredTime: inst.ExpiredTime!,
    daysLeft,
    renewFlag: effective,
    restrictState: restrict,
    message: `${who} ${state} and will not auto-renew (${effective})`,
  };
}
