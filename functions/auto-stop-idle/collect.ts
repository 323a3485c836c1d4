/**
 * Reads one region, streaming: each page of running pay-as-you-go instances feeds CPU queries
 * (up to 50 instances a call) while the next page loads, and each CPU answer feeds outbound-traffic
 * queries for the instances that look idle.
 */
import { Batcher } from "../../lib/runtime/batcher.ts";
import { settleAll } from "../../lib/settle.ts";
import { OWNER_TAG, snoozeOf } from "../../lib/snooze/snooze.ts";
import { readWarning, runningPeriodOf, warningTagKey } from "../../lib/snooze/warning-tag.ts";
import { takeTurn } from "./rotation.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import { getInstanceMetric, type MetricWindow } from "../../lib/tencent/monitor.ts";
import { NO_POINTS } from "../../lib/tencent/series.ts";
import { batches, batchSizeOf, pages } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Filter, Instance } from "../../lib/tencent/data-types.ts";
import {
  askedStop,
  cpuLooksIdle,
  judged,
  snoozeEnded,
  screen,
  screenedOut,
  type Candidate,
  type Decision,
  type InstanceMetrics,
  type RegionalInstance,
  type Verdict,
} from "./plan.ts";
import type { AutoStopPolicy } from "./config.ts";
import type { RegionMemory } from "./busy-memory.ts";

/** DescribeInstances: at most 10 filters, at most 5 values each (the 2018 CVM API 3.0 reference; the official model). */
export const MAX_FILTER_VALUES = 5;

/**
 * Server-side scope as one or more DescribeInstances queries. Values within a filter are OR'ed,
 * filters are AND'ed, and a filter may carry at most 5 values: a longer list is split into
 * several queries whose results are joined, de-duplicated by id as they arrive.
 */
export function scopeQueries(policy: AutoStopPolicy): Filter[][] {
  const filters: Filter[] = [
    { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] },
    // `instance-state` is a current-API filter (the 2018 seed predates it).
    { Name: "instance-state", Values: ["RUNNING"] },
  ];
  const byKey = new Map<string, string[]>();
  for (const t of policy.includeTags) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t.value]);
  for (const [key, values] of byKey) filters.push({ Name: `tag:${key}`, Values: values });
  if (policy.projects.length) filters.push({ Name: "project-id", Values: policy.projects.map(String) });
  let queries: Filter[][] = [[]];
  for (const f of filters) {
    const chunks = batches(f.Values, MAX_FILTER_VALUES).map((Values) => ({ Name: f.Name, Values }));
    queries = queries.flatMap((q) => chunks.map((c) => [...q, c]));
  }
  return queries;
}

const slim = (i: Instance, Region: string): RegionalInstance => ({
  InstanceId: i.InstanceId,
  InstanceName: i.InstanceName,
  InstanceState: i.InstanceState,
  InstanceChargeType: i.InstanceChargeType,
  InstanceType: i.InstanceType,
  CreatedTime: i.CreatedTime,
  Tags: i.Tags ?? [],
  PublicIpAddresses: i.PublicIpAddresses ?? null,
  Placement: { Zone: i.Placement?.Zone ?? "" },
  LatestOperationRequestId: i.LatestOperationRequestId ?? null,
  Region,
});

/** What narrows the machines whose metrics are read, beyond scope and screening. */
export interface CandidateLimits {
  /** Alarm mode: only these (reported by the idle alarm policy) are verified; other in-scope machines are kept as not alarmed. */
  alarmed?: ReadonlySet<string>;
  /** At most this many machines get metric queries this run (the metric budget); the rest are kept as deferred. */
  verifyAtMost?: number;
  /**
   * A signed "stop now" link named these, each with the running period it was issued for: each is
   * stopped if still in that period, in scope and not opted out, without metrics; every other machine is kept.
   */
  stopNow?: ReadonlyMap<string, string>;
  /** Not a limit: the key this function's warnings are sealed with (WEBHOOK_SECRET; warning-tag.ts). */
  warningSecret?: string | undefined;
  /** The run's number under verifyAtMost (its schedule slot): whose turn it is in the rotation (rotation.ts). */
  run?: number;
  /**
   * Polling's memory of busy machines (busy-memory.ts): one whose remembered busy points prove it
   * busy now is kept unqueried, before the metric budget, so it takes none of it; every CPU series
   * read is shown to it.
   */
  memory?: RegionMemory | undefined;
}

const NOT_ALARMED: Verdict = {
  kind: "not-alarmed",
  reason: "no idle alarm from the region's alarm policy: not queried",
};
const NOT_ASKED: Verdict = { kind: "not-asked", reason: "not the machine a signed link asked about" };
const RESTARTED: Verdict = {
  kind: "restarted-since-link",
  reason: "started again since the stop-now link was sent: the link was for its earlier running period",
};
const DEFERRED: Verdict = {
  kind: "deferred",
  reason: "over this run's metric budget (AUTO_STOP_METRIC_BUDGET): verified at a later run",
};

/** Machines a region may hold while they wait for their metrics: 50 CPU queries' worth, 2.5 s of metric work. */
export const MAX_WAITING = 500;

/**
 * Decides every in-scope instance of a region as its data arrives: screened-out ones at once,
 * busy ones when their CPU answers, the rest when their traffic answers. Decisions to leave a
 * machine alone go to the runner at once; only those to stop one are held and returned, so
 * memory does not grow with a large fleet.
 */

export async function decideRegion(
  client: TencentCloudClient,
  region: string,
  policy: AutoStopPolicy,
  now: Date,
  only: Set<string> | undefined,
  /** Where decisions that ask for no write go as soon as they are made (the runner's ctx.decided); the rest are returned. */
  keep: (d: Decision) => void,
  /**
   * Called once, when a stop first becomes likely (the listing is done and some machine's CPU
   * looked idle), with every instance type that could still be stopped: work that needs the
   * stops' types (the price lookup) can then overlap the traffic queries instead of following them.
   */
  stopsLikely?: (types: ReadonlySet<string>) => void,
  limits: CandidateLimits = {},
): Promise<Decision[]> {
  const window: MetricWindow = {
    start: new Date(now.getTime() - policy.lookbackMinutes * 60_000),
    end: now,
    period: policy.metricPeriod,
  };
  const decisions: Decision[] = [];
  // A waiting machine holds only what judging reads (no tags, no addresses), since up to
  // MAX_WAITING of them per region wait at once.
  const pending = new Map<string, { inst: Candidate; noPublicIp: boolean; m?: InstanceMetrics }>();
  const per = batchSizeOf("GetMonitorData");
  // Every id that has been decided or is waiting for metrics: a listing that shifted while paged
  // can show a row twice, and an instance must never be decided (or stopped) twice.
  const seen = new Set<string>();
  const candidateTypes = new Set<string>();
  let listed = false;
  let idleSeen = false;
  const maybeLikely = () => {
    if (!listed || !idleSeen || !stopsLikely) return;
    const call = stopsLikely;
    stopsLikely = undefined;
    call(candidateTypes);
  };
  // Machines whose snooze has ended: a decision that asks for nothing else says so, once (snoozeEnded).
  const expired = new Map<string, { until: number }>();
  const emit = (raw: Decision) => {
    const ended = expired.get(raw.id);
    const d = ended === undefined ? raw : snoozeEnded(raw, ended.until, now, policy.runEveryMs);
    if (ended !== undefined) expired.delete(raw.id);
    return d.action ? decisions.push(d) : keep(d);
  };
  // Back-pressure: the listing (40 pages a second) outruns the metric queries (20 a second, 10
  // machines each), so without a bound a region would hold all its machines waiting for metrics.
  // The next page is read only when fewer than MAX_WAITING machines wait; metrics stay the pace.
  let failed: unknown;
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const roomForMore = async () => {
    while (pending.size >= MAX_WAITING && failed === undefined) await new Promise<void>((resolve) => (wake = resolve));
  };
  /** A metric batch that fails wakes the listing too, so it stops instead of waiting forever. */
  const watched = (send: (ids: string[]) => Promise<void>) => async (ids: string[]) => {
    try {
      await send(ids);
    } catch (err) {
      failed ??= err;
      wakeUp();
      throw err;
    }
  };
  const settle = (id: string, m: InstanceMetrics) => {
    emit(judged(pending.get(id)!.inst, m, policy, now));
    pending.delete(id);
    if (pending.size < MAX_WAITING) wakeUp();
  };

  const traffic = new Batcher<string>(
    per,
    watched(async (ids) => {
      const [lan, wan] = await settleAll([
        getInstanceMetric(client, region, "LanOuttraffic", ids, window),
        getInstanceMetric(client, region, "WanOuttraffic", ids, window),
      ]);
      // The plan joins the two series on their timestamps.
      for (const id of ids) {
        const p = pending.get(id)!;
        settle(id, { ...p.m!, lan: lan.get(id) ?? NO_POINTS, wan: wan.get(id) ?? NO_POINTS, noPublicIp: p.noPublicIp });
      }
    }),
  );
  const cpu = new Batcher<string>(
    per,
    watched(async (ids) => {
      const values = await getInstanceMetric(client, region, "CPUUsage", ids, window);
      for (const id of ids) {
        const m = { cpu: values.get(id) ?? NO_POINTS };
        limits.memory?.saw(id, m.cpu);
        if (cpuLooksIdle(m.cpu, policy, now)) {
          idleSeen = true;
          pending.get(id)!.m = m;
          traffic.add(id);
        } else settle(id, m);
      }
      maybeLikely();
    }),
  );

  const queued: Array<{ inst: Candidate; noPublicIp: boolean }> = [];
  const admit = (w: { inst: Candidate; noPublicIp: boolean }) => {
    candidateTypes.add(w.inst.InstanceType);
    pending.set(w.inst.InstanceId, w);
    cpu.add(w.inst.InstanceId);
  };
  let failure: unknown;
  let remembered: Verdict | undefined;
  try {
    for (const Filters of scopeQueries(policy)) {
      // Two pages ahead, not the pager's four: metrics set the pace here (20 queries of 10
      // machines a second is two pages a second, of the 40 the listing may read), and every page
      // read ahead is 100 whole instances held.
      for await (const page of pages(client, "DescribeInstances", region, { Filters }, { ahead: 2 })) {
        for (const raw of page) {
          if ((only && !only.has(raw.InstanceId)) || seen.has(raw.InstanceId)) continue;
          seen.add(raw.InstanceId);
          const inst = slim(raw, region);
          // The tags as a map, once per listed machine: screening, the snooze and the candidate all read them.
          const tags = tagsOf(inst);
          const out = screen(inst, policy, now, tags);
          const z = snoozeOf(tags, now);
          if (z.state === "expired") expired.set(inst.InstanceId, { until: z.until });
          const period = runningPeriodOf(inst);
          if (limits.stopNow) {
            // Asked by a person: their own snooze does not hold it back; every scope rule does, and
            // the link acts only on the running period it was issued for.
            const asked = limits.stopNow.get(inst.InstanceId);
            if (asked !== undefined && (!out || out.kind === "snoozed"))
              emit(asked === period ? askedStop(inst) : screenedOut(inst, RESTARTED));
            else emit(screenedOut(inst, out ?? NOT_ASKED));
          } else if (out) emit(screenedOut(inst, out));
          // In scope and screened in, but Cloud Monitor reports no idle alarm for it: counted, not queried.
          else if (limits.alarmed && !limits.alarmed.has(inst.InstanceId)) emit(screenedOut(inst, NOT_ALARMED));
          // Seen busy lately, so it cannot be idle yet: decided without a query, before the budget.
          else if ((remembered = limits.memory?.recall(inst.InstanceId))) emit(screenedOut(inst, remembered));
          else {
            const { InstanceId, InstanceName, Region, InstanceType, Placement, CreatedTime } = inst;
            // Only this function's own warning, proven for this machine and running period, counts.
            const warning = readWarning(tags.get(warningTagKey("auto-stop-idle")), limits.warningSecret, {
              fn: "auto-stop-idle",
              region,
              instance: InstanceId,
              period,
            });
            const owner = tags.get(OWNER_TAG);
            const waiting = {
              inst: {
                InstanceId,
                InstanceName,
                Region,
                InstanceType,
                Placement,
                CreatedTime,
                period,
                ...(warning ? { warning } : {}),
                ...(owner ? { owner } : {}),
              },
              noPublicIp: !inst.PublicIpAddresses?.length,
            };
            // Under a budget, candidates wait (outside `pending`, so the listing is not held back) until all are known.
            if (limits.verifyAtMost !== undefined) queued.push(waiting);
            else admit(waiting);
          }
        }
        await roomForMore();
        if (failed !== undefined) break;
      }
      if (failed !== undefined) break;
    }
    listed = failed === undefined;
    if (listed && queued.length) {
      // This run's turn of the rotation; the rest wait for theirs, every one within ⌈queued ÷ budget⌉ runs.
      const turn = takeTurn(queued, (q) => q.inst.InstanceId, limits.verifyAtMost!, limits.run ?? 0);
      turn.admitted.forEach(admit);
      for (const q of turn.deferred) emit(screenedOut(q.inst, DEFERRED));
    }
  } catch (err) {
    failure = err;
  }
  maybeLikely();
  // Let queries already sent finish before reporting, so nothing runs on after the region fails.
  await cpu.flush().catch((err) => (failure ??= err));
  await traffic.flush().catch((err) => (failure ??= err));
  if (failure) throw failure;
  return decisions;
}
