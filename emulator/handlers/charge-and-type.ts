/**
 * Changing a machine's type and its billing, and their price inquiries (cvm 2017-03-12):
 * ResetInstancesType, InquiryPriceResetInstancesType, ModifyInstancesChargeType and
 * InquiryPriceModifyInstancesChargeType. Sources: the 2018 CVM API 3.0 reference (each
 * action's page and error codes) and, where it differs, the current API (the official cvm models
 * and the product doc, cloud.tencent.com/document/api/213/15744):
 * - ResetInstancesType and its inquiry take one instance a call ("本接口目前仅支持每次操作1个实例").
 * - ResetInstancesType accepts a system disk of CLOUD_BASIC, CLOUD_PREMIUM, CLOUD_SSD or
 *   CLOUD_BSSD (2018: the first three); its inquiry, as documented today, CLOUD_BSSD,
 *   CLOUD_PREMIUM or CLOUD_SSD only — CLOUD_BASIC is refused there (awkward, as documented).
 * - The new type must be of the same family ("must be in the same series"); no CDH instances.
 * - ResetInstancesType is asynchronous: LatestOperationState is OPERATING until it completes, and
 *   then the instance "shows as RUNNING, with no need to start it" (the current product doc).
 *   A running instance is shut down for it (ForceStop says how: "建议对运行中的实例先手动关机").
 * - ModifyInstancesChargeType: at most 20 instances a call today (the model: "每次请求批量实例的
 *   上限为20"; the 2018 page said 100); InquiryPriceModifyInstancesChargeType at most 100.
 * - Both refuse a machine stopped without charge (StopChargingMode STOP_CHARGING), the BC1 and BS1
 *   families and spot instances (the inquiry's page names spot; the 2018 pages name the rest).
 * - Periods in months: 1–12, 24, 36, 48, 60 (the model's InstanceChargePrepaid); else InvalidPeriod.
 * Prices follow the emulator's one price model (instance-types.ts): hourly list price, a prepaid
 * month at 720 h × 80% of it.
 */
import { ApiFault, bool, idList, str } from "../api-fault.ts";
import { familyOf, monthlyOf, TYPES } from "../instance-types.ts";
import type { EmuInstance } from "../state.ts";
import type { Handler, HandlerContext } from "./context.ts";
import { findInstances, stateFault } from "./instances.ts";

const RESET_DISKS = new Set(["CLOUD_BASIC", "CLOUD_PREMIUM", "CLOUD_SSD", "CLOUD_BSSD"]);
const INQUIRY_DISKS = new Set(["CLOUD_BSSD", "CLOUD_PREMIUM", "CLOUD_SSD"]);
const PERIODS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 24, 36, 48, 60]);
const NO_CHARGE_CHANGE = new Set(["BC1", "BS1"]);
const CHARGE_TYPES = ["PREPAID", "POSTPAID_BY_HOUR"];

const notSupported = (inst: EmuInstance, why: string) =>
  new ApiFault("InvalidInstance.NotSupported", `The instance \`${inst.InstanceId}\` is not supported: ${why}.`);

/** The one instance and the target type a type change names, checked as both type actions check them. */
function typeChange(ctx: HandlerContext, disks: ReadonlySet<string>): { inst: EmuInstance; type: string } {
  const [inst] = findInstances(ctx, idList(ctx.params, "InstanceIds", { required: true, max: 1 }));
  const type = str(ctx.params, "InstanceType", true)!;
  if (!TYPES[type]) throw new ApiFault("InvalidParameterValue", `The instance type \`${type}\` is not sold here.`);
  if (inst!.InstanceChargeType === "CDHPAID") throw notSupported(inst!, "a CDH instance cannot change its type");
  const disk = inst!.SystemDisk?.DiskType ?? "";
  if (!disks.has(disk))
    throw notSupported(
      inst!,
      `its system disk is ${disk || "not a cloud disk"}; expected one of ${[...disks].join(", ")}`,
    );
  if (familyOf(type) !== familyOf(inst!.InstanceType))
    throw new ApiFault(
      "InvalidParameterValue",
      `\`${type}\` is not of the instance's family ${familyOf(inst!.InstanceType)}: a type changes within its family.`,
    );
  if (type === inst!.InstanceType)
    throw new ApiFault("InvalidParameterValue", `The instance \`${inst!.InstanceId}\` is already ${type}.`);
  return { inst: inst!, type };
}

const resetInstancesType: Handler = (ctx) => {
  const { inst, type } = typeChange(ctx, RESET_DISKS);
  bool(ctx.params, "ForceStop");
  if (inst.typeOp || (inst.InstanceState !== "STOPPED" && inst.InstanceState !== "RUNNING")) throw stateFault(inst);
  ctx.state.resizeLater(inst, type, TYPES[type]!.cpu, TYPES[type]!.memory);
  ctx.state.operated(inst, "ResetInstancesType", ctx.requestId);
  if (inst.typeOp) inst.LatestOperationState = "OPERATING";
  return {};
};

const inquiryPriceResetInstancesType: Handler = (ctx) => {
  const { inst, type } = typeChange(ctx, INQUIRY_DISKS);
  const hourly = TYPES[type]!.hourly;
  // The 2018 reference's examples: an hourly UnitPrice for pay-as-you-go, Original/DiscountPrice for prepaid.
  const InstancePrice =
    inst.InstanceChargeType === "PREPAID"
      ? { OriginalPrice: monthlyOf(type), DiscountPrice: monthlyOf(type), Discount: 100 }
      : { UnitPrice: hourly, UnitPriceDiscount: hourly, ChargeUnit: "HOUR", Discount: 100 };
  return { Price: { InstancePrice } };
};

/** The instances a charge-type change names, after every documented refusal. */
function chargeChange(ctx: HandlerContext, max: number, prepaidOnly = false): { insts: EmuInstance[]; period: number } {
  const insts = findInstances(ctx, idList(ctx.params, "InstanceIds", { required: true, max }));
  const to = str(ctx.params, "InstanceChargeType", true)!;
  if (!CHARGE_TYPES.includes(to) || (prepaidOnly && to !== "PREPAID"))
    throw new ApiFault("InvalidParameterValue", `InstanceChargeType must be one of ${CHARGE_TYPES.join(", ")}.`);
  const prepaid = ctx.params.InstanceChargePrepaid as { Period?: unknown } | undefined;
  let period = 0;
  if (to === "PREPAID") {
    if (!prepaid || prepaid.Period === undefined)
      throw new ApiFault(
        "MissingParameter",
        "The request is missing a required parameter `InstanceChargePrepaid.Period`.",
      );
    period = Number(prepaid.Period);
    if (!PERIODS.has(period))
      throw new ApiFault(
        "InvalidPeriod",
        `Invalid period: ${String(prepaid.Period)}; one of ${[...PERIODS].join(", ")} months.`,
      );
  }
  for (const i of insts) {
    if (i.InstanceChargeType === to) throw notSupported(i, `it is already ${to}`);
    if (i.InstanceChargeType !== "PREPAID" && i.InstanceChargeType !== "POSTPAID_BY_HOUR")
      throw notSupported(i, `${i.InstanceChargeType} instances cannot change their billing`);
    if (i.InstanceState === "STOPPED" && i.StopChargingMode === "STOP_CHARGING")
      throw notSupported(i, "it is stopped without charge (StoppedMode STOP_CHARGING); start it first");
    if (NO_CHARGE_CHANGE.has(familyOf(i.InstanceType))) throw notSupported(i, `the ${familyOf(i.InstanceType)} family`);
  }
  return { insts, period };
}

const modifyInstancesChargeType: Handler = (ctx) => {
  const { insts, period } = chargeChange(ctx, 20);
  const to = str(ctx.params, "InstanceChargeType", true) as "PREPAID" | "POSTPAID_BY_HOUR";
  const flag = String((ctx.params.InstanceChargePrepaid as { RenewFlag?: unknown } | undefined)?.RenewFlag ?? "");
  const now = ctx.state.now();
  for (const i of insts) {
    i.InstanceChargeType = to;
    if (to === "PREPAID") {
      const end = new Date(now);
      end.setUTCMonth(end.getUTCMonth() + period);
      i.ExpiredTime = end.toISOString().replace(/\.\d{3}Z$/, "Z");
      // The model's default renew flag: NOTIFY_AND_MANUAL_RENEW.
      i.RenewFlag = (flag || "NOTIFY_AND_MANUAL_RENEW") as EmuInstance["RenewFlag"];
    } else {
      i.ExpiredTime = null;
      i.RenewFlag = null;
    }
    ctx.state.operated(i, "ModifyInstancesChargeType", ctx.requestId);
  }
  return {};
};

const inquiryPriceModifyInstancesChargeType: Handler = (ctx) => {
  const { insts, period } = chargeChange(ctx, 100);
  // One price for the whole request, as the seed's example gives it (720 for one instance, one month).
  if (!period) {
    const hourly = insts.reduce((n, i) => n + (TYPES[i.InstanceType]?.hourly ?? 0), 0);
    return { Price: { InstancePrice: { UnitPrice: hourly, UnitPriceDiscount: hourly, ChargeUnit: "HOUR" } } };
  }
  const total = Math.round(insts.reduce((n, i) => n + monthlyOf(i.InstanceType), 0) * period * 100) / 100;
  return { Price: { InstancePrice: { OriginalPrice: total, DiscountPrice: total, Discount: 100 } } };
};

export const chargeAndTypeHandlers: Record<string, Handler> = {
  ResetInstancesType: resetInstancesType,
  InquiryPriceResetInstancesType: inquiryPriceResetInstancesType,
  ModifyInstancesChargeType: modifyInstancesChargeType,
  InquiryPriceModifyInstancesChargeType: inquiryPriceModifyInstancesChargeType,
};
