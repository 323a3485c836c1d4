/** Instance actions, with the rules the 2018 CVM API 3.0 reference states for each. */
import { ApiFault, bool, checkIdFormat, filters, idList, paging, str } from "../api-fault.ts";
import type { EmuInstance } from "../state.ts";
import { instanceJson } from "../views.ts";
import { JsonRows } from "../reply.ts";
import { tagged } from "../tag-index.ts";
import { type CompiledFilter, filtered } from "../listing-cache.ts";
import { RENEW_FLAGS } from "../../lib/tencent/data-types.ts";
import type { Handler, HandlerContext } from "./context.ts";

const INSTANCE_FILTERS = new Set([
  "zone",
  "project-id",
  "instance-id",
  "instance-name",
  "instance-charge-type",
  "instance-state",
  "tag-key",
  "tag-value",
  "private-ip-address",
]);

/** A filter compiled once per request: a set lookup per instance, no allocation in the loop. */
function compile(f: { Name: string; Values: string[] }, ctx: HandlerContext): CompiledFilter {
  const v = new Set(f.Values);
  const withTag = (keys: Set<string> | undefined, values: Set<string> | undefined): CompiledFilter => {
    const set = tagged(ctx.state, ctx.region, keys, values);
    return { test: (i) => set.has(i), tagIndex: true };
  };
  const reading = (read: (i: EmuInstance) => string): CompiledFilter => ({ test: (i) => v.has(read(i)), read });
  switch (f.Name) {
    case "zone":
      return reading((i) => i.Placement.Zone);
    case "project-id":
      return reading((i) => String(i.Placement.ProjectId));
    case "instance-id":
      return reading((i) => i.InstanceId);
    case "instance-name":
      return reading((i) => i.InstanceName);
    case "instance-charge-type":
      return reading((i) => i.InstanceChargeType);
    case "instance-state":
      return reading((i) => i.InstanceState);
    case "private-ip-address":
      return { test: (i) => (i.PrivateIpAddresses ?? []).some((ip) => v.has(ip)) };
    case "tag-key":
      return withTag(v, undefined);
    case "tag-value":
      return withTag(undefined, v);
    default:
      return withTag(new Set([f.Name.slice("tag:".length)]), v);
  }
}

/** Looks up ids in this region: malformed ids first, then unknown ones, as the real API reports them. */
export function findInstances(ctx: HandlerContext, ids: string[]): EmuInstance[] {
  for (const id of ids) checkIdFormat("ins", id);
  return ids.map((id) => {
    const inst = ctx.state.instances.get(id);
    if (!inst || inst.Region !== ctx.region)
      throw new ApiFault("InvalidInstanceId.NotFound", `The instance \`${id}\` does not exist.`);
    return ctx.state.settle(inst);
  });
}

/** Current API codes for an action on an instance in the wrong state (the 2018 seed lists none). */
export function stateFault(inst: EmuInstance): ApiFault {
  const s = inst.InstanceState;
  const code =
    s === "STOPPED"
      ? "UnsupportedOperation.InstanceStateStopped"
      : s === "STOPPING"
        ? "UnsupportedOperation.InstanceStateStopping"
        : s === "RUNNING"
          ? "UnsupportedOperation.InstanceStateRunning"
          : s === "STARTING"
            ? "UnsupportedOperation.InstanceStateStarting"
            : "OperationDenied.InstanceOperationInProgress";
  return new ApiFault(code, `The instance \`${inst.InstanceId}\` is ${s}; the operation is not allowed in this state.`);
}

const describeInstances: Handler = (ctx) => {
  const ids = idList(ctx.params, "InstanceIds");
  const fs = filters(ctx.params, (n) => INSTANCE_FILTERS.has(n) || n.startsWith("tag:"));
  if (ids.length && fs.length)
    throw new ApiFault("InvalidParameter", "InstanceIds and Filters cannot be specified together.");
  const { offset, limit } = paging(ctx.params);
  let rows: EmuInstance[];
  if (ids.length) {
    for (const id of ids) checkIdFormat("ins", id);
    const wanted = new Set(ids);
    rows = ctx.state.instancesIn(ctx.region).filter((i) => wanted.has(i.InstanceId));
  } else {
    const list = ctx.state.instancesIn(ctx.region);
    rows = fs.length
      ? filtered(
          ctx.state,
          ctx.region,
          list,
          JSON.stringify(fs),
          fs.map((f) => compile(f, ctx)),
        )
      : list;
  }
  return { TotalCount: rows.length, InstanceSet: new JsonRows(rows.slice(offset, offset + limit).map(instanceJson)) };
};

const describeInstancesStatus: Handler = (ctx) => {
  const ids = idList(ctx.params, "InstanceIds");
  for (const id of ids) checkIdFormat("ins", id);
  const { offset, limit } = paging(ctx.params);
  const wanted = new Set(ids);
  const rows = ctx.state.instancesIn(ctx.region).filter((i) => !ids.length || wanted.has(i.InstanceId));
  return {
    TotalCount: rows.length,
    InstanceStatusSet: rows
      .slice(offset, offset + limit)
      .map((i) => ({ InstanceId: i.InstanceId, InstanceState: i.InstanceState })),
  };
};

const startInstances: Handler = (ctx) => {
  const insts = findInstances(ctx, idList(ctx.params, "InstanceIds", { required: true }));
  for (const i of insts) if (i.InstanceState !== "STOPPED") throw stateFault(i); // seed: only STOPPED may start
  for (const i of insts) {
    ctx.state.transition(i, "STARTING", "RUNNING", ctx.state.timings.startMs);
    ctx.state.operated(i, "StartInstances", ctx.requestId);
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
  if (!STOP_TYPES.includes(stopType))
    throw new ApiFault("InvalidParameterValue", `StopType must be one of ${STOP_TYPES.join(", ")}.`);
  if (!STOPPED_MODES.includes(mode))
    throw new ApiFault("InvalidParameterValue", `StoppedMode must be one of ${STOPPED_MODES.join(", ")}.`);
  if (mode === "STOP_CHARGING") {
    // Current API: no-charge-when-stopped applies to pay-as-you-go instances only.
    const prepaid = insts.find((i) => i.InstanceChargeType !== "POSTPAID_BY_HOUR");
    if (prepaid)
      throw new ApiFault(
        "UnsupportedOperation.StoppedModeStopCharging",
        `StoppedMode STOP_CHARGING is not supported for \`${prepaid.InstanceId}\` (${prepaid.InstanceChargeType}).`,
      );
  }
  for (const i of insts) if (i.InstanceState !== "RUNNING") throw stateFault(i); // seed: only RUNNING may stop
  for (const i of insts) {
    if (forceStop || stopType === "HARD") i.forceStops++;
    ctx.state.transition(i, "STOPPING", "STOPPED", ctx.state.timings.stopMs);
    ctx.state.operated(i, "StopInstances", ctx.requestId);
    i.StopChargingMode = mode === "STOP_CHARGING" ? "STOP_CHARGING" : "KEEP_CHARGING";
  }
  return {};
};

const modifyInstancesRenewFlag: Handler = (ctx) => {
  const insts = findInstances(ctx, idList(ctx.params, "InstanceIds", { required: true }));
  const flag = str(ctx.params, "RenewFlag", true)!;
  if (!(RENEW_FLAGS as readonly string[]).includes(flag))
    throw new ApiFault("InvalidParameterValue", `RenewFlag must be one of ${RENEW_FLAGS.join(", ")}.`);
  // Seed: "modify the renewal flags of prepaid instances".
  const notPrepaid = insts.find((i) => i.InstanceChargeType !== "PREPAID");
  if (notPrepaid)
    throw new ApiFault("InvalidInstance.NotSupported", `The instance \`${notPrepaid.InstanceId}\` is not PREPAID.`);
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
