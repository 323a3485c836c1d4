/**
 * Cloud Monitor alarm policies we own, through the monitor 2018-07-24 API (official models;
 * tccli witnesses monitor.CreateAlarmPolicy.json, monitor.BindingPolicyTag.json and
 * monitor.DescribeAlarmHistories.json). Ours are found by name, never by a stored id: names need
 * not be unique, so every write is preceded by a look, and a duplicate is reported and removed.
 *
 * An alarm is a hint: what it reports is what Cloud Monitor judged a period ago, for whichever
 * objects it had bound. Nothing here decides to act on an instance.
 */
import { api } from "./services.ts";
import { CLIENT_CODES, TencentCloudApiError } from "./errors.ts";
import type { TencentCloudClient } from "./client.ts";

export interface AlarmRule {
  MetricName: string;
  Period: number;
  Operator: string;
  Value: string;
  ContinuePeriod: number;
}

/** One policy as we want it: its name, its rules (all must hold) and the tags that bind it. */
export interface AlarmPolicySpec {
  name: string;
  remark: string;
  rules: AlarmRule[];
  /** The tags that bind instances (BindingPolicyTag), combined as tagOperation says. */
  tags: Array<{ key: string; value: string }>;
  tagOperation: "AND" | "OR";
}

/** What a rule on one metric may hold, as DescribeAlarmMetrics lists it (its MetricConfig). */
export interface RuleLimits {
  Period: number[];
  ContinuePeriod: number[];
  Operator: string[];
}

export interface RemotePolicy {
  id: string;
  originId: string;
  name: string;
  enabled: boolean;
  unionRule: number | undefined;
  rules: AlarmRule[];
  tags: Array<{ key: string; value: string }>;
  tagOperation: string;
}

/** DescribeAlarmPolicies and DescribeAlarmHistories: 1 to 100 rows a page (official model). */
const PAGE = 100;
/** A listing longer than this many pages is a broken reply, not a fleet. */
const MAX_PAGES = 1000;
const MODULE = "monitor";

/** Every policy whose name starts with `prefix` (the name filter is a fuzzy search: the prefix is checked here). */
export async function ourPolicies(client: TencentCloudClient, region: string, prefix: string): Promise<RemotePolicy[]> {
  const out: RemotePolicy[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await api(client).describeAlarmPolicies(region, {
      Module: MODULE,
      PageNumber: page,
      PageSize: PAGE,
      PolicyName: prefix,
      MonitorTypes: ["MT_QCE"],
      Namespaces: ["cvm_device"],
    });
    const rows = Array.isArray(res.Policies) ? res.Policies : [];
    for (const p of rows) {
      if (typeof p?.PolicyId !== "string" || typeof p.PolicyName !== "string" || !p.PolicyName.startsWith(prefix))
        continue;
      out.push({
        id: p.PolicyId,
        originId: String(p.OriginId ?? ""),
        name: p.PolicyName,
        enabled: p.Enable !== 0,
        unionRule: p.Condition?.IsUnionRule,
        rules: (p.Condition?.Rules ?? []).map((r) => ({
          MetricName: String(r.MetricName ?? ""),
          Period: Number(r.Period),
          Operator: String(r.Operator ?? ""),
          Value: String(r.Value ?? ""),
          ContinuePeriod: Number(r.ContinuePeriod ?? 1),
        })),
        tags: (p.TagInstances ?? [])
          .filter((t) => typeof t?.Key === "string")
          .map((t) => ({ key: t.Key!, value: String(t.Value ?? "") })),
        tagOperation: String(p.TagOperation ?? ""),
      });
    }
    if (rows.length < PAGE || page * PAGE >= Number(res.TotalCount ?? 0)) return out;
  }
  throw new TencentCloudApiError({
    code: CLIENT_CODES.badResponse,
    message: `DescribeAlarmPolicies listed more than ${MAX_PAGES} pages`,
    action: "DescribeAlarmPolicies",
    region,
    service: "monitor",
    requestId: undefined,
  });
}

/** How a deployed policy differs from the one wanted, in words; empty when it is the same. */
export function policyDrift(remote: RemotePolicy, want: AlarmPolicySpec): string[] {
  const out: string[] = [];
  if (!remote.enabled) out.push("disabled");
  if (remote.unionRule !== 1) out.push(`IsUnionRule ${remote.unionRule} (want 1: all rules)`);
  const show = (r: AlarmRule) => `${r.MetricName} ${r.Operator} ${r.Value} for ${r.ContinuePeriod}×${r.Period}s`;
  const have = new Set(remote.rules.map(show));
  const wanted = new Set(want.rules.map(show));
  for (const r of wanted) if (!have.has(r)) out.push(`missing rule ${r}`);
  for (const r of have) if (!wanted.has(r)) out.push(`extra rule ${r}`);
  const tag = (t: { key: string; value: string }) => `${t.key}=${t.value}`;
  const haveTags = new Set(remote.tags.map(tag));
  for (const t of want.tags.map(tag)) if (!haveTags.has(t)) out.push(`not bound to tag ${t}`);
  // One tag binds the same either way; with several, how they combine is part of the policy.
  if (want.tags.length > 1 && remote.tagOperation !== want.tagOperation)
    out.push(`TagOperation ${JSON.stringify(remote.tagOperation)} (want ${want.tagOperation})`);
  return out;
}

/**
 * What each cvm_device metric's rule may hold, from DescribeAlarmMetrics: CreateAlarmPolicy's
 * model says a rule's Period, ContinuePeriod and Operator take their values from it, so they are
 * read rather than assumed. A metric listed without a MetricConfig allows nothing.
 */
export async function ruleLimits(client: TencentCloudClient, region: string): Promise<Map<string, RuleLimits>> {
  const res = await api(client).describeAlarmMetrics(region, {
    Module: MODULE,
    MonitorType: "MT_QCE",
    Namespace: "cvm_device",
  });
  const nums = (v: unknown) => (Array.isArray(v) ? v.map(Number).filter((n) => Number.isInteger(n) && n > 0) : []);
  const out = new Map<string, RuleLimits>();
  for (const m of Array.isArray(res.Metrics) ? res.Metrics : []) {
    if (typeof m?.MetricName !== "string") continue;
    const c = m.MetricConfig ?? {};
    out.set(m.MetricName, {
      Period: nums(c.Period),
      ContinuePeriod: nums(c.ContinuePeriod),
      Operator: Array.isArray(c.Operator) ? c.Operator.map(String) : [],
    });
  }
  return out;
}

/** Creates the policy and binds it to its tags; returns the new policy's ids and the calls' RequestIds. */
export async function createPolicy(
  client: TencentCloudClient,
  region: string,
  want: AlarmPolicySpec,
): Promise<{ id: string; requestIds: string[] }> {
  const created = await api(client).createAlarmPolicy(region, {
    Module: MODULE,
    PolicyName: want.name,
    Remark: want.remark,
    MonitorType: "MT_QCE",
    Namespace: "cvm_device",
    Enable: 1,
    // CVM has projects, so a policy must name one (the model: not -1 for such products); 0 is the default project.
    ProjectId: 0,
    // No NoticeIds: the policy notifies nobody; a run reads its alarms.
    Condition: { IsUnionRule: 1, Rules: want.rules.map((r) => ({ ...r, NoticeFrequency: 0, IsPowerNotice: 0 })) },
  });
  const requestIds = [created.RequestId];
  // ServiceType: the product, "cvm", as tccli's published example sends it and the TagInstance
  // model describes it ("产品类型，如：cvm"); Tencent's Terraform provider sends the namespace
  // (cvm_device) instead. The two documented sources are followed. GroupId is the policy's
  // OriginId (the provider's; the example's value is unrelated to its policy). TagOperation is
  // always sent: its default is undocumented.
  const first = want.tags[0];
  if (first) {
    const bound = await api(client).bindingPolicyTag(region, {
      Module: MODULE,
      PolicyId: created.PolicyId,
      GroupId: created.OriginId,
      ServiceType: "cvm",
      TagOperation: want.tagOperation,
      Tag: { Key: first.key, Value: first.value },
      ...(want.tags.length > 1 ? { BatchTag: want.tags.slice(1).map((t) => ({ Key: t.key, Value: t.value })) } : {}),
    });
    requestIds.push(bound.RequestId);
  }
  return { id: created.PolicyId, requestIds };
}

export async function deletePolicies(client: TencentCloudClient, region: string, ids: string[]): Promise<string> {
  const res = await api(client).deleteAlarmPolicy(region, { Module: MODULE, PolicyIds: ids });
  return res.RequestId;
}

/** The instance an alarm history names: from its Dimensions (InstanceId or unInstanceId), else an `ins-` AlarmObject. */
export function alarmedInstanceId(h: { Dimensions?: unknown; AlarmObject?: unknown }): string | undefined {
  if (typeof h.Dimensions === "string" && h.Dimensions.length < 4096) {
    try {
      const d = JSON.parse(h.Dimensions) as Record<string, unknown>;
      const id = d?.InstanceId ?? d?.unInstanceId;
      if (typeof id === "string" && /^ins-[a-z0-9]+$/.test(id)) return id;
    } catch {
      // not JSON: fall through to AlarmObject
    }
  }
  const m = typeof h.AlarmObject === "string" ? /^(ins-[a-z0-9]+)\b/.exec(h.AlarmObject) : null;
  return m?.[1];
}

/** An alarming instance: when its alarm began, and the region its history names (a policy is the account's). */
export interface Alarmed {
  first: number;
  region: string | undefined;
}

/**
 * Whether an alarm belongs to a region's run: its history's Region is that region. A Region that
 * is missing or not a region name (Cloud Monitor also writes short codes such as "gz") counts for
 * every region: an alarm only nominates, and a run verifies only machines it lists in its region.
 */
export const alarmIn = (a: Alarmed, region: string) =>
  a.region === undefined || !/^[a-z]+-[a-z]+(-[a-z]+)*$/.test(a.region) || a.region === region;

/**
 * The instances the account's policy reports as alarming now (AlarmStatus ALARM), with when each
 * alarm began and where. The search covers alarms that began within `sinceMs`:
 * DescribeAlarmHistories finds a history by its FirstOccurTime only. Paged to TotalCount.
 */
export async function alarmingInstances(
  client: TencentCloudClient,
  region: string,
  policyId: string,
  now: Date,
  sinceMs: number,
): Promise<Map<string, Alarmed>> {
  const out = new Map<string, Alarmed>();
  const EndTime = Math.floor(now.getTime() / 1000);
  const StartTime = Math.floor((now.getTime() - sinceMs) / 1000);
  let seen = 0;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await api(client).describeAlarmHistories(region, {
      Module: MODULE,
      PageNumber: page,
      PageSize: PAGE,
      StartTime,
      EndTime,
      AlarmStatus: ["ALARM"],
      PolicyIds: [policyId],
      MonitorTypes: ["MT_QCE"],
    });
    const rows = Array.isArray(res.Histories) ? res.Histories : [];
    seen += rows.length;
    for (const h of rows) {
      // Asked for ALARM only: a row in another state (the witness writes "2") is still the server's answer to that question.
      if (h?.AlarmStatus !== undefined && h.AlarmStatus !== "ALARM" && !/^\d+$/.test(String(h.AlarmStatus))) continue;
      const id = alarmedInstanceId(h ?? {});
      if (!id) continue;
      const first = typeof h.FirstOccurTime === "number" ? h.FirstOccurTime * 1000 : now.getTime();
      const region = typeof h.Region === "string" && h.Region ? h.Region : undefined;
      out.set(id, { first: Math.min(out.get(id)?.first ?? Infinity, first), region: out.get(id)?.region ?? region });
    }
    const total = Number(res.TotalCount ?? 0);
    if (seen >= total) return out;
    // A count past the rows (published examples have them): what was read is the answer. An
    // alarm missed is a machine not checked this run, never one stopped, so it is logged, not fatal.
    if (rows.length === 0) {
      client.logger.warn("DescribeAlarmHistories ended before its TotalCount; the alarms read are used", {
        region,
        read: seen,
        total,
        requestId: res.RequestId,
      });
      return out;
    }
  }
  throw new TencentCloudApiError({
    code: CLIENT_CODES.badResponse,
    message: `DescribeAlarmHistories listed more than ${MAX_PAGES} pages`,
    action: "DescribeAlarmHistories",
    region,
    service: "monitor",
    requestId: undefined,
  });
}
