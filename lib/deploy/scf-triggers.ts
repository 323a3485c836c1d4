/**
 * A function's triggers: its timer (replaced only when its schedule really changed) and its
 * function URL (created once and then kept, so its address never changes).
 */
import type { TencentCloudClient } from "../tencent/client.ts";
import { listAll } from "../tencent/services.ts";
import type { DeployOptions } from "./scf-options.ts";
import type { Write } from "./scf-function.ts";
import { toScfCron } from "./schedules.ts";

export interface RemoteTrigger {
  Type: string;
  TriggerName: string;
  TriggerDesc: string;
}

/**
 * Real ListTriggers returns a timer's TriggerDesc as `{"cron":"…"}`, not the expression it was
 * created with: compared raw, every deploy would delete and recreate every timer.
 */
export function sameTriggerDesc(
  remote: { Type: string; TriggerDesc: string },
  wanted: { TriggerDesc: string },
): boolean {
  if (remote.Type !== "timer") return remote.TriggerDesc === wanted.TriggerDesc;
  let cron = remote.TriggerDesc;
  try {
    const parsed = JSON.parse(remote.TriggerDesc) as { cron?: unknown };
    if (typeof parsed?.cron === "string") cron = parsed.cron;
  } catch {
    // a bare expression
  }
  return cron.trim().split(/\s+/).join(" ") === wanted.TriggerDesc.trim().split(/\s+/).join(" ");
}

/**
 * A function URL (CreateTrigger Type `http`; SCF's "函数 URL" docs): no CAM auth at the URL —
 * every request is checked by our own HMAC — reachable from the internet. SCF names the trigger
 * itself and keeps the URL for as long as the trigger exists, so an existing one is never replaced.
 */
export const FUNCTION_URL_DESC = JSON.stringify({
  AuthType: "NONE",
  NetConfig: { EnableIntranet: false, EnableExtranet: true },
});
/** The API-gateway trigger earlier deploys made (`apigw` is no CreateTrigger type any more): removed on the next deploy. */
const LEGACY_WEBHOOK = { Type: "apigw", TriggerName: "cvm_autopilot_webhook" };

/**
 * The function URL in an http trigger's description, as ListTriggers and CreateTrigger give it:
 * JSON whose NetConfig holds `ExtranetUrl` (`https://<appid>-<id>.<region>.tencentscf.com`) and
 * `IntranetUrl` (`…<id>.in.<region>…`), empty when that network is off (witness
 * scf.ListTriggers.json, from tccli's scf examples). The public address first.
 */
export function functionUrlIn(desc: string | undefined): string | undefined {
  let net: { ExtranetUrl?: unknown; IntranetUrl?: unknown } | undefined;
  try {
    net = (JSON.parse(desc ?? "") as { NetConfig?: typeof net })?.NetConfig;
  } catch {
    return undefined;
  }
  const url = [net?.ExtranetUrl, net?.IntranetUrl].find(
    (u): u is string => typeof u === "string" && /^https:\/\/\S+$/.test(u),
  );
  return url;
}

/** A function's triggers, through the shared pager (TotalCount checked, a page ceiling, no row twice). */
export async function listTriggers(
  client: TencentCloudClient,
  o: Pick<DeployOptions, "region" | "namespace">,
  fn: string,
): Promise<RemoteTrigger[]> {
  return listAll(client, "ListTriggers", o.region, { Namespace: o.namespace, FunctionName: fn });
}

/** The timer, from the function's schedule in SCF's cron and zone: created, or replaced when it differs. */
export async function ensureTimer(
  name: string,
  fn: string,
  existing: RemoteTrigger[],
  o: Pick<DeployOptions, "schedules" | "timezone" | "timerZone">,
  write: Write,
): Promise<void> {
  const timer: RemoteTrigger = {
    Type: "timer",
    TriggerName: `${name}-schedule`,
    TriggerDesc: toScfCron(o.schedules[name]!, o.timezone ?? "UTC", o.timerZone),
  };
  const cur = existing.find((e) => e.TriggerName === timer.TriggerName && e.Type === timer.Type);
  if (cur && sameTriggerDesc(cur, timer)) return;
  if (cur)
    await write(
      fn,
      "DeleteTrigger",
      { FunctionName: fn, TriggerName: timer.TriggerName, Type: timer.Type },
      "replaced",
    );
  await write(
    fn,
    "CreateTrigger",
    {
      FunctionName: fn,
      TriggerName: timer.TriggerName,
      Type: timer.Type,
      TriggerDesc: timer.TriggerDesc,
      Enable: "OPEN",
    },
    timer.TriggerDesc,
  );
}

/** The webhook: a function URL, created once and then kept; an earlier deploy's API-gateway trigger removed. Returns its address. */
export async function ensureFunctionUrl(
  fn: string,
  existing: RemoteTrigger[],
  write: Write,
): Promise<string | undefined> {
  const legacy = existing.find((e) => e.Type === LEGACY_WEBHOOK.Type && e.TriggerName === LEGACY_WEBHOOK.TriggerName);
  if (legacy) await write(fn, "DeleteTrigger", { FunctionName: fn, ...LEGACY_WEBHOOK }, "replaced by a function URL");
  if (existing.some((e) => e.Type === "http"))
    return functionUrlIn(existing.find((e) => e.Type === "http")?.TriggerDesc);
  const res = await write(
    fn,
    "CreateTrigger",
    {
      FunctionName: fn,
      TriggerName: "cvm_autopilot_url",
      Type: "http",
      TriggerDesc: FUNCTION_URL_DESC,
      Enable: "OPEN",
    },
    "function URL",
  );
  return functionUrlIn((res as { TriggerInfo?: { TriggerDesc?: string } } | undefined)?.TriggerInfo?.TriggerDesc);
}
