/** Instance actions, with the rules seed 004 states for each. */
import { ApiFault, bool, checkIdFormat, filters, idList, paging, str } from "../api-fault.ts";
import { type EmuInstance } from "../state.ts";
import { publicInstance } from "../views.ts";
import { RENEW_FLAGS } from "../../lib/tencent/types.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import type { Handler, HandlerContext } from "./context.ts";

const INSTANCE_FILTERS = new Set([
  "zone", "project-id", "instance-id", "instance-name", "instance-charge-type", "instance-state", "tag-key", "tag-value",
  "private-ip-address",
]);

/** Reads a tag straight off the instance (seed spelling tagKey/tagValue accepted too). */
function tagValue(inst: EmuInstance, key: string): string | undefined {
  for (const t of inst.Tags ?? []) {
    const k = "Key" in t ? t.Key : (t as { tagKey?: string }).tagKey;
    if (k === key) return "Value" in t ? t.Value : (t as { tagValue?: string }).tagValue;
  }
  return undefined;
}

function matches(inst: EmuInstance, f: { Name: string; Values: string[] }): boolean {
  const any = (v: string | undefined) => v !== undefined && f.Values.includes(v);
  switch (f.Name) {
    case "zone": return any(inst.Placement.Zone);
    case "project-id": return any(String(inst.Placement.ProjectId));
    case "instance-id": return any(inst.InstanceId);
    case "instance-name": return any(inst.InstanceName);
    case "instance-charge-type": return any(inst.InstanceChargeType);
    case "instance-state": return any(inst.InstanceState);
    case "private-ip-address": return (inst.PrivateIpAddresses ?? []).some((ip) => f.Values.includes(ip));
    case "tag-key": return [...tagsOf(inst).keys()].some((k) => f.Values.includes(k));
    case "tag-value": return [...tagsOf(inst).values()].some((v) => f.Values.includes(v));
    default: return any(tagValue(inst, f.Name.slice("tag:".length)));
  }
}

/** Looks up ids in this region: malformed ids first, then unknown ones, as the real API reports them. */
export function findInstances(ctx: HandlerContext, ids: string[]): EmuInstance[] {
  for (const id of ids) checkIdFormat("ins", id);
  return ids.map((id) => {
    const inst = ctx.state.instances.get(id);
    if (!inst || inst.Region !== ctx.region) throw new ApiFault("InvalidInstanceId.NotFound", `The instance \`${id}\` does not exist.`);
    return ctx.state.settle(inst);
  });
}

/** Current API codes for an action on an instance in the wrong state (the 2018 seed lists none). */
export function stateFault(inst: EmuInstance): ApiFault {
  const s = inst.InstanceState;
  const code = s === "STOPPED" ? "UnsupportedOperation.InstanceStateStopped"
    : s === "STOPPING" ? "UnsupportedOperation.InstanceStateStopping"
    : s === "RUNNING" ? "UnsupportedOperation.InstanceStateRunning"
    : s === "STARTING" ? "UnsupportedOperation.InstanceStateStarting"
    : "OperationDenied.InstanceOperationInProgress";
  return new ApiFault(code, `The instance \`${inst.InstanceId}\` is ${s}; the operation is not allowed in this state.`);
}

const describeInstances: Handler = (ctx) => {
  const ids = idList(ctx.params, "InstanceIds");
  const fs = filters(ctx.params, (n) => INSTANCE_FILTERS.has(n) || n.startsWith("tag:"));
  if (ids.length && fs.length) throw new ApiFault("InvalidParameter", "InstanceIds and Filters cannot be specified together.");
  const { offset, limit } = paging(ctx.params);
  let rows: EmuInstance[];
  if (ids.length) {
    for (const id of ids) checkIdFormat("ins", id);
    const wanted = new Set(ids);
    rows = ctx.state.instancesIn(ctx.region).filter((i) => wanted.has(i.InstanceId));
  } else {
    rows = ctx.state.instancesIn(ctx.region).filter((i) => fs.every((f) => matches(i, f)));
  }
  return { TotalCount: rows.length, InstanceSet: rows.slice(offset, offset + limit).map(publicInstance) };
};

const describeInstancesStatus: Handler = (ctx) => {
  const ids = idList(ctx.params, "InstanceIds");
  for (const id of ids) checkIdFormat("ins", id);
  const { offset, limit } = paging(ctx.params);
  const wanted = new Set(ids);
  const rows = ctx.state.instancesIn(ctx.region).filter((i) => !ids.length || wanted.has(i.InstanceId));
  return {
    TotalCount: rows.length,
    InstanceStatusSet: rows.slice(offset, offset + limit).map((i) => ({ InstanceId: i.InstanceId, InstanceState: i.InstanceState })),
  };
};

const startInstances: Handler = (ctx) => {
  const insts = findInstances(ctx, idList(ctx.params, "InstanceIds", { required: true }));
  for (const i of insts) if (i.InstanceState !== "STOPPED") throw stateFault(i); // seed: only STOPPED may start
  for (const i of insts) {
    ctx.state.transition(i, "STARTING", "RUNNING", ctx.state.timings.startMs);
    i.StopChargingMode = "NOT_APPLICABLE";
  }
  return {};
};

const STOP_TYPES = ["SOFT", "HARD", "SOFT_FIRST"];
const STOPPED_MODES = ["KEEP_CHARGING", "STOP_CHARGING"];

const stopInstances: Handler = (ctx) => {
  const insts = findInstances(ctx, idList(ctx.params, "InstanceIds", { required: true }));
  const forceStop = bool(ctx.params, "ForceStop");
  const stopType = str(ctx.params, "StopType") ?? "SOFT";
  const mode = str(ctx.params, "StoppedMode") ?? "KEEP_CHARGING";
  if (!STOP_TYPES.includes(stopType)) throw new ApiFault("InvalidParameterValue", `StopType must be one of ${STOP_TYPES.join(", ")}.`);
  if (!STOPPED_MODES.includes(mode)) throw new ApiFault("InvalidParameterValue", `StoppedMode must be one of ${STOPPED_MODES.join(", ")}.`);
  if (mode === "STOP_CHARGING") {
    // Current API: no-charge-when-stopped applies to pay-as-you-go instances only.
    const prepaid = insts.find((i) => i.InstanceChargeType !== "POSTPAID_BY_HOUR");
    if (prepaid) throw new ApiFault("UnsupportedOperation.StoppedModeStopCharging", `StoppedMode STOP_CHARGING is not supported for \`${prepaid.InstanceId}\` (${prepaid.InstanceChargeType}).`);
  }
  for (const i of insts) if (i.InstanceState !== "RUNNING") throw stateFault(i); // seed: only RUNNING may stop
  for (const i of insts) {
    if (forceStop || stopType === "HARD") i.forceStops++;
    ctx.state.transition(i, "STOPPING", "STOPPED", ctx.state.timings.stopMs);
    i.StopChargingMode = mode === "STOP_CHARGING" ? "STOP_CHARGING" : "KEEP_CHARGING";
  }
  return {};
};

const modifyInstancesRenewFlag: Handler = (ctx) => {
  const insts = findInstances(ctx, idList(ctx.params, "InstanceIds", { required: true }));
  const flag = str(ctx.params, "RenewFlag", true)!;
  if (!(RENEW_FLAGS as readonly string[]).includes(flag)) throw new ApiFault("InvalidParameterValue", `RenewFlag must be one of ${RENEW_FLAGS.join(", ")}.`);
  // Seed: "modify the renewal flags of prepaid instances".
  const notPrepaid = insts.find((i) => i.InstanceChargeType !== "PREPAID");
  if (notPrepaid) throw new ApiFault("InvalidInstance.NotSupported", `The instance \`${notPrepaid.InstanceId}\` is not PREPAID.`);
  for (const i of insts) i.RenewFlag = flag as (typeof RENEW_FLAGS)[number];
  return {};
};

export const instanceHandlers: Record<string, Handler> = {
  DescribeInstances: describeInstances,
  DescribeInstancesStatus: describeInstancesStatus,
  StartInstances: startInstances,
  StopInstances: stopInstances,
  ModifyInstancesRenewFlag: modifyInstancesRenewFlag,
};
