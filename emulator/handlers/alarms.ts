/**
 * Cloud Monitor alarm policies (monitor 2018-07-24) as far as auto-stop's alarm mode uses them:
 * DescribeAlarmMetrics (in alarm-metrics.ts), CreateAlarmPolicy, BindingPolicyTag, DescribeAlarmPolicies, DeleteAlarmPolicy and
 * DescribeAlarmHistories, with the shapes of the official models and the tccli witnesses
 * (monitor.CreateAlarmPolicy.json, monitor.BindingPolicyTag.json, monitor.DescribeAlarmHistories.json).
 *
 * Awkward where the real service is, or may be:
 * - names need not be unique: creating the same policy twice makes two (idempotency is the caller's);
 * - policies are the account's, not a region's: DescribeAlarmPolicies lists all, whatever Region is
 *   sent, each with every region of the account in its `Region` (short codes, as the tccli example
 *   shows), and a policy alarms on bound machines in every region; a history names its machine's
 *   region (`Region` "ap-guangzhou" in the example);
 * - names are at most 20 characters, and a rule takes only what DescribeAlarmMetrics lists
 *   (alarm-rules.ts);
 * - BindingPolicyTag with several tags combines them as TagOperation says, AND or OR; the default
 *   is undocumented, so the emulator refuses several tags without it;
 * - Remark takes only letters, digits, `_` and `-` (the model: "仅支持中英文、数字、下划线、-");
 * - CVM is a product with projects, so ProjectId must be sent and not -1 (the model says so);
 * - an alarm is evaluated a period late (Cloud Monitor judges a period once it has closed), so a
 *   machine busy for the last few minutes can still be in ALARM: a hint, never evidence;
 * - a rule needs data in every one of its ContinuePeriod periods: a machine with no public IP has
 *   no WanOuttraffic points, so a rule on them never holds for it;
 * - DescribeAlarmHistories finds a history only if it began (FirstOccurTime) inside
 *   [StartTime, EndTime], one day back by default (the model's StartTime).
 */
import { ApiFault, int, str } from "../api-fault.ts";
import type { EmulatorState, EmuInstance } from "../state.ts";
import type { Handler } from "./context.ts";
import { alarmMetric, describeAlarmMetrics } from "./alarm-metrics.ts";
import { metricValue } from "./monitor.ts";
import { moduleParam, OPERATORS, policyName, REMARK, type Rule, rulesOf, shortRegion } from "./alarm-rules.ts";
export interface EmuPolicy {
  PolicyId: string;
  OriginId: string;
  PolicyName: string;
  Remark: string;
  Namespace: string;
  Enable: number;
  ProjectId: number;
  IsUnionRule: number;
  Rules: Rule[];
  tags: Array<{ Key: string; Value: string }>;
  /** How several bound tags combine (BindingPolicyTag's TagOperation); "" until bound. */
  tagOperation: "" | "AND" | "OR";
  InsertTime: number;
}
interface EmuHistory {
  AlarmId: string;
  policy: EmuPolicy;
  instance: EmuInstance;
  first: number;
  last: number;
  status: "ALARM" | "OK" | "NO_CONF";
}
interface AlarmStore {
  policies: Map<string, EmuPolicy>;
  histories: EmuHistory[];
  open: Map<string, EmuHistory>;
  cache: Map<string, Set<EmuInstance>>;
  next: number;
}

const stores = new WeakMap<EmulatorState, AlarmStore>();
export function alarmStore(state: EmulatorState): AlarmStore {
  let s = stores.get(state);
  if (!s) stores.set(state, (s = { policies: new Map(), histories: [], open: new Map(), cache: new Map(), next: 1 }));
  return s;
}

/** Does the rule hold for the instance over its ContinuePeriod periods ending at `at` (seconds)? Every period needs a point. */
function holds(rule: Rule, inst: EmuInstance, at: number): boolean {
  const series = alarmMetric(rule.MetricName)!.series;
  if (series.startsWith("Wan") && !inst.PublicIpAddresses?.length) return false;
  const born = Math.floor(Date.parse(inst.CreatedTime) / 1000);
  const last = Math.floor(at / rule.Period) * rule.Period - rule.Period;
  for (let k = 0; k < rule.ContinuePeriod; k++) {
    const ts = last - k * rule.Period;
    if (ts < born) return false;
    const v = metricValue(inst, series, ts, at);
    if (v === null || !OPERATORS[rule.Operator]!(v, Number(rule.Value))) return false;
  }
  return true;
}

const has = (inst: EmuInstance, t: { Key: string; Value: string }) =>
  inst.Tags?.some((it) => it.Key === t.Key && it.Value === t.Value) === true;
const bound = (p: EmuPolicy, inst: EmuInstance) =>
  p.tags.length > 0 &&
  (p.tagOperation === "AND" ? p.tags.every((t) => has(inst, t)) : p.tags.some((t) => has(inst, t)));

/** The policy's alarming instances as of a period late, cached per period, tag version and policy. */
function alarming(state: EmulatorState, store: AlarmStore, p: EmuPolicy, nowS: number): Set<EmuInstance> {
  const period = Math.max(...p.Rules.map((r) => r.Period));
  const at = nowS - period;
  const key = `${p.PolicyId}/${Math.floor(at / 60)}/${state.tagVersion}/${p.tags.length}/${p.tagOperation}`;
  let set = store.cache.get(key);
  if (!set) {
    set = new Set();
    // The account's policy: bound machines in every region.
    for (const inst of state.regions.flatMap((r) => state.instancesIn(r))) {
      if (!bound(p, inst)) continue;
      const ok =
        p.IsUnionRule === 1 ? p.Rules.every((r) => holds(r, inst, at)) : p.Rules.some((r) => holds(r, inst, at));
      if (ok) set.add(inst);
    }
    for (const k of store.cache.keys()) if (k.startsWith(`${p.PolicyId}/`)) store.cache.delete(k);
    store.cache.set(key, set);
  }
  return set;
}

/** Brings every history up to date: an alarm opens when its condition starts to hold and recovers (OK) when it stops. */
function evaluate(state: EmulatorState, store: AlarmStore): void {
  const nowS = Math.floor(state.now() / 1000);
  for (const p of store.policies.values()) {
    if (!p.Enable) continue;
    const set = alarming(state, store, p, nowS);
    for (const inst of set) {
      // A stopped machine reports nothing, so it cannot be alarming.
      if (state.settle(inst).InstanceState !== "RUNNING") continue;
      const k = `${p.PolicyId}/${inst.InstanceId}`;
      const h = store.open.get(k);
      if (h) h.last = nowS;
      else {
        const fresh: EmuHistory = {
          AlarmId: `alarm-${String(store.next++).padStart(8, "0")}`,
          policy: p,
          instance: inst,
          first: nowS,
          last: nowS,
          status: "ALARM",
        };
        store.histories.push(fresh);
        store.open.set(k, fresh);
      }
    }
    for (const [k, h] of store.open) {
      if (h.policy !== p) continue;
      if (!set.has(h.instance) || h.instance.InstanceState !== "RUNNING") {
        h.status = "OK";
        store.open.delete(k);
      }
    }
  }
}

function policyView(p: EmuPolicy, regions: string[]) {
  return {
    PolicyId: p.PolicyId,
    PolicyName: p.PolicyName,
    Remark: p.Remark,
    MonitorType: "MT_QCE",
    Enable: p.Enable,
    ProjectId: p.ProjectId,
    Namespace: p.Namespace,
    OriginId: p.OriginId,
    Region: regions.map(shortRegion),
    InsertTime: p.InsertTime,
    UpdateTime: p.InsertTime,
    Condition: {
      IsUnionRule: p.IsUnionRule,
      Rules: p.Rules.map((r) => ({ ...r, NoticeFrequency: 0, IsPowerNotice: 0, RuleType: "STATIC" })),
    },
    TagOperation: p.tagOperation,
    TagInstances: p.tags.map((t) => ({
      Key: t.Key,
      Value: t.Value,
      InstanceSum: 0,
      ServiceType: "cvm",
      RegionId: 1,
      BindingStatus: 2,
      TagStatus: 2,
    })),
  };
}

function pageParams(params: Record<string, unknown>): { page: number; size: number } {
  const page = int(params, "PageNumber", 1);
  const size = int(params, "PageSize", 20);
  if (page < 1) throw new ApiFault("InvalidParameterValue", "`PageNumber` starts at 1.");
  if (size < 1 || size > 100) throw new ApiFault("InvalidParameterValue", "`PageSize` must be 1 to 100.");
  return { page, size };
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);

export const alarmHandlers: Record<string, Handler> = {
  DescribeAlarmMetrics: (ctx) => describeAlarmMetrics(ctx.params),
  CreateAlarmPolicy(ctx) {
    moduleParam(ctx.params);
    const name = policyName(ctx.params);
    if (str(ctx.params, "MonitorType", true) !== "MT_QCE")
      throw new ApiFault("InvalidParameterValue", "`MonitorType` must be MT_QCE.");
    const ns = str(ctx.params, "Namespace", true)!;
    if (ns !== "cvm_device")
      throw new ApiFault(
        "InvalidParameterValue",
        `Namespace \`${ns}\` is not modelled by this emulator (cvm_device only).`,
      );
    const remark = str(ctx.params, "Remark") ?? "";
    if ([...remark].length > 100 || !REMARK.test(remark))
      throw new ApiFault(
        "InvalidParameterValue",
        "`Remark` takes at most 100 characters: letters, digits, `_` and `-`.",
      );
    const project = ctx.params.ProjectId === undefined ? -1 : Number(ctx.params.ProjectId);
    if (project === -1)
      throw new ApiFault(
        "InvalidParameterValue",
        "CVM policies need a ProjectId other than -1 (0 is the default project).",
      );
    const { IsUnionRule, Rules } = rulesOf(ctx.params.Condition);
    const store = alarmStore(ctx.state);
    const n = store.next++;
    const p: EmuPolicy = {
      PolicyId: `policy-${n.toString(36).padStart(8, "0")}`,
      OriginId: String(1_000_000 + n),
      PolicyName: name,
      Remark: remark,
      Namespace: ns,
      Enable: ctx.params.Enable === undefined ? 1 : Number(ctx.params.Enable),
      ProjectId: project,
      IsUnionRule,
      Rules,
      tags: [],
      tagOperation: "",
      InsertTime: Math.floor(ctx.state.now() / 1000),
    };
    store.policies.set(p.PolicyId, p);
    return { PolicyId: p.PolicyId, OriginId: p.OriginId };
  },
  BindingPolicyTag(ctx) {
    moduleParam(ctx.params);
    const id = str(ctx.params, "PolicyId", true)!;
    str(ctx.params, "GroupId", true);
    // ServiceType: the product ("cvm") in tccli's example and the TagInstance model; Tencent's
    // Terraform provider sends the namespace ("cvm_device"). Both are taken: neither is refused by
    // any source.
    const service = str(ctx.params, "ServiceType", true)!;
    if (!["cvm", "cvm_device"].includes(service))
      throw new ApiFault("InvalidParameterValue", `ServiceType \`${service}\` is not cvm.`);
    const op = str(ctx.params, "TagOperation");
    if (op !== undefined && op !== "AND" && op !== "OR")
      throw new ApiFault("InvalidParameterValue", "`TagOperation` is AND or OR.");
    const p = alarmStore(ctx.state).policies.get(id);
    if (!p) throw new ApiFault("ResourceNotFound", `The alarm policy \`${id}\` does not exist.`);
    const tags = [
      ...(ctx.params.Tag ? [ctx.params.Tag] : []),
      ...(Array.isArray(ctx.params.BatchTag) ? ctx.params.BatchTag : []),
    ] as Array<{ Key?: unknown; Value?: unknown }>;
    if (!tags.length) throw new ApiFault("MissingParameter", "The request needs `Tag` or `BatchTag`.");
    if (tags.length + p.tags.length > 1 && !op && !p.tagOperation)
      throw new ApiFault(
        "InvalidParameterValue",
        "Several tags need `TagOperation` (AND or OR): its default is not documented, so this emulator takes none.",
      );
    if (op) p.tagOperation = op;
    for (const t of tags) {
      if (typeof t?.Key !== "string" || typeof t.Value !== "string" || !t.Key)
        throw new ApiFault("InvalidParameterValue", "Each tag needs a Key and a Value.");
      if (!p.tags.some((x) => x.Key === t.Key && x.Value === t.Value))
        p.tags.push({ Key: t.Key, Value: t.Value as string });
    }
    return {};
  },
  DescribeAlarmPolicies(ctx) {
    moduleParam(ctx.params);
    const { page, size } = pageParams(ctx.params);
    const name = str(ctx.params, "PolicyName")?.toLowerCase();
    const namespaces = strings(ctx.params.Namespaces);
    const all = [...alarmStore(ctx.state).policies.values()].filter(
      (p) => (!name || p.PolicyName.toLowerCase().includes(name)) && (!namespaces || namespaces.includes(p.Namespace)),
    );
    return {
      TotalCount: all.length,
      Policies: all.slice((page - 1) * size, page * size).map((p) => policyView(p, ctx.state.regions)),
    };
  },
  DeleteAlarmPolicy(ctx) {
    moduleParam(ctx.params);
    const ids = strings(ctx.params.PolicyIds);
    if (!ids?.length)
      throw new ApiFault("MissingParameter", "The request is missing a required parameter `PolicyIds`.");
    const store = alarmStore(ctx.state);
    for (const id of ids)
      if (!store.policies.has(id)) throw new ApiFault("ResourceNotFound", `The alarm policy \`${id}\` does not exist.`);
    for (const id of ids) {
      store.policies.delete(id);
      // Its histories stay, as "已失效" (NO_CONF), and no longer alarm.
      for (const [k, h] of store.open)
        if (h.policy.PolicyId === id) {
          h.status = "NO_CONF";
          store.open.delete(k);
        }
    }
    return {};
  },
  DescribeAlarmHistories(ctx) {
    moduleParam(ctx.params);
    const { page, size } = pageParams(ctx.params);
    const store = alarmStore(ctx.state);
    evaluate(ctx.state, store);
    const nowS = Math.floor(ctx.state.now() / 1000);
    const start = int(ctx.params, "StartTime", nowS - 86_400);
    const end = int(ctx.params, "EndTime", nowS);
    const statuses = strings(ctx.params.AlarmStatus);
    const policyIds = strings(ctx.params.PolicyIds);
    const object = str(ctx.params, "AlarmObject");
    const rows = store.histories
      .filter(
        (h) =>
          h.first >= start &&
          h.first <= end &&
          (!statuses || statuses.includes(h.status)) &&
          (!policyIds || policyIds.includes(h.policy.PolicyId)) &&
          (!object || h.instance.InstanceId.includes(object)),
      )
      .sort(
        (a, b) =>
          (String(ctx.params.Order ?? "DESC").toUpperCase() === "ASC" ? a.first - b.first : b.first - a.first) ||
          a.AlarmId.localeCompare(b.AlarmId),
      );
    return {
      TotalCount: rows.length,
      Histories: rows.slice((page - 1) * size, page * size).map((h) => ({
        AlarmId: h.AlarmId,
        // The published example's shapes: MonitorType "cvm", AlarmType "metric_alarm", the
        // machine's long region name, Dimensions {"InstanceId": …} and the bare id as AlarmObject.
        MonitorType: "cvm",
        Namespace: h.policy.Namespace,
        AlarmObject: h.instance.InstanceId,
        Content: h.policy.Rules.map((r) => `${r.MetricName} ${r.Operator} ${r.Value}`).join(" and "),
        FirstOccurTime: h.first,
        LastOccurTime: h.last,
        AlarmStatus: h.status,
        PolicyId: h.policy.PolicyId,
        PolicyName: h.policy.PolicyName,
        OriginId: h.policy.OriginId,
        AlarmType: "metric_alarm",
        Region: h.instance.Region,
        PolicyExists: store.policies.has(h.policy.PolicyId) ? 1 : 0,
        Dimensions: JSON.stringify({ InstanceId: h.instance.InstanceId }),
        ProjectId: h.policy.ProjectId,
      })),
    };
  },
};
