/**
 * One region decided as its data arrives: screened-out machines at once, busy ones when their CPU
 * answers, the rest when their traffic answers. Decisions to leave a machine alone go to the
 * runner at once; only those that ask for a write are held, so memory does not grow with the fleet.
 *
 * Back-pressure: the listing (40 pages a second) outruns the metric queries (20 a second, up to 50
 * machines each), so without a bound a region would hold all its machines waiting for metrics.
 * The next page is read only when fewer than MAX_WAITING machines wait; metrics set the pace.
 */
import { Batcher } from "../../lib/runtime/batcher.ts";
import { settleAll } from "../../lib/settle.ts";
import { OWNER_TAG, snoozeOf } from "../../lib/snooze/snooze.ts";
import { readWarning, runningPeriodOf, warningTagKey } from "../../lib/snooze/warning-tag.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Instance } from "../../lib/tencent/data-types.ts";
import { getInstanceMetric, type MetricWindow } from "../../lib/tencent/monitor.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import { NO_POINTS } from "../../lib/tencent/series.ts";
import { batchSizeOf, pages } from "../../lib/tencent/services.ts";
import type { AutoStopPolicy } from "./config.ts";
import type { CandidateLimits } from "./limits.ts";
import {
  askedStop,
  type Candidate,
  cpuVerdict,
  type Decision,
  type Judgement,
  judgedAs,
  type RegionalInstance,
  screen,
  screenedOut,
  snoozeEnded,
  trafficJudgement,
  type Verdict,
} from "./plan.ts";
import { scopeQueries } from "./queries.ts";
import { takeTurn } from "./rotation.ts";

/** Machines a region may hold while they wait for their metrics: 50 CPU queries' worth, 2.5 s of metric work. */
export const MAX_WAITING = 500;

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

/** A machine waiting for its metrics: only what judging reads (no tags, no addresses), since up to MAX_WAITING wait at once. */
interface Waiting {
  inst: Candidate;
  noPublicIp: boolean;
  /** Its CPU statistic, once the CPU found it calm: its traffic decides the rest. */
  calm?: number;
}

export interface RegionInput {
  client: TencentCloudClient;
  region: string;
  policy: AutoStopPolicy;
  now: Date;
  only: Set<string> | undefined;
  /** Where decisions that ask for no write go as soon as they are made (the runner's ctx.decided). */
  keep: (d: Decision) => void;
  /** Called once, when a stop first becomes likely, with every instance type that could still be stopped. */
  stopsLikely?: ((types: ReadonlySet<string>) => void) | undefined;
  limits: CandidateLimits;
}

export class RegionDecider {
  /** The decisions that ask for a write: returned when the region is done. */
  readonly decisions: Decision[] = [];
  private readonly window: MetricWindow;
  private readonly pending = new Map<string, Waiting>();
  // Every id decided or waiting: a listing that shifted while paged can show a row twice, and a
  // machine must never be decided (or stopped) twice.
  private readonly seen = new Set<string>();
  private readonly candidateTypes = new Set<string>();
  /** Machines whose snooze has ended: a decision that asks for nothing else says so, once (snoozeEnded). */
  private readonly expired = new Map<string, { until: number }>();
  /** Under a metric budget, candidates wait here (outside `pending`, so the listing is not held back) until all are known. */
  private readonly queued: Waiting[] = [];
  private listed = false;
  private idleSeen = false;
  private failed: unknown;
  private wake: (() => void) | undefined;
  private readonly cpu: Batcher<string>;
  private readonly traffic: Batcher<string>;

  constructor(private readonly x: RegionInput) {
    this.window = {
      start: new Date(x.now.getTime() - x.policy.lookbackMinutes * 60_000),
      end: x.now,
      period: x.policy.metricPeriod,
    };
    const per = batchSizeOf("GetMonitorData");
    this.cpu = new Batcher<string>(
      per,
      this.watched((ids) => this.cpuAnswered(ids)),
    );
    this.traffic = new Batcher<string>(
      per,
      this.watched((ids) => this.trafficAnswered(ids)),
    );
  }

  /** Lists, screens and judges the region; the decisions that ask for a write. */
  async run(): Promise<Decision[]> {
    let failure: unknown;
    try {
      await this.list();
      this.listed = this.failed === undefined;
      if (this.listed && this.queued.length) this.takeTurn();
    } catch (err) {
      failure = err;
    }
    this.maybeLikely();
    // Let queries already sent finish before reporting, so nothing runs on after the region fails.
    await this.cpu.flush().catch((err) => (failure ??= err));
    await this.traffic.flush().catch((err) => (failure ??= err));
    if (failure) throw failure;
    return this.decisions;
  }

  private async list(): Promise<void> {
    const { client, region, only } = this.x;
    for (const Filters of scopeQueries(this.x.policy)) {
      // After the first page, as many pages at once as the waiting room has space for (queued
      // machines count): a region that fits it (up to MAX_WAITING machines) is read in two round
      // trips, as the bound has it. After that, two pages ahead: metrics set the pace (20 queries a
      // second is two pages a second, of the 40 the listing may read), and every page read ahead
      // is 100 whole instances held, however few of them wait for metrics (alarm mode, stop-now).
      let read = 0;
      const ahead = () => (read <= 1 ? Math.floor((MAX_WAITING - this.pending.size - this.queued.length) / 100) : 2);
      for await (const page of pages(client, "DescribeInstances", region, { Filters }, { ahead })) {
        read++;
        for (const raw of page) {
          if ((only && !only.has(raw.InstanceId)) || this.seen.has(raw.InstanceId)) continue;
          this.seen.add(raw.InstanceId);
          this.listedOne(slim(raw, region));
        }
        await this.roomForMore();
        if (this.failed !== undefined) return;
      }
    }
  }

  /** One listed machine: decided now, or a candidate for metrics. */
  private listedOne(inst: RegionalInstance): void {
    const { policy, now, limits } = this.x;
    // The tags as a map, once per listed machine: screening, the snooze and the candidate all read them.
    const tags = tagsOf(inst);
    const out = screen(inst, policy, now, tags);
    const z = snoozeOf(tags, now);
    if (z.state === "expired") this.expired.set(inst.InstanceId, { until: z.until });
    const period = runningPeriodOf(inst);
    let remembered: Verdict | undefined;
    if (limits.stopNow) this.emit(this.linkAnswer(inst, out, period));
    else if (out) this.emit(screenedOut(inst, out));
    // In scope and screened in, but Cloud Monitor reports no idle alarm for it: counted, not queried.
    else if (limits.alarmed && !limits.alarmed.has(inst.InstanceId)) this.emit(screenedOut(inst, NOT_ALARMED));
    // Seen busy lately, so it cannot be idle yet: decided without a query, before the budget.
    else if ((remembered = limits.memory?.recall(inst.InstanceId))) this.emit(screenedOut(inst, remembered));
    else {
      const waiting = this.candidate(inst, tags, period);
      if (limits.verifyAtMost !== undefined) this.queued.push(waiting);
      else this.admit(waiting);
    }
  }

  /**
   * A signed "stop now" link's run: asked by a person, so their own snooze does not hold the
   * machine back; every scope rule does, and the link acts only on the running period it was issued for.
   */
  private linkAnswer(inst: RegionalInstance, out: Verdict | undefined, period: string): Decision {
    const asked = this.x.limits.stopNow?.get(inst.InstanceId);
    if (asked !== undefined && (!out || out.kind === "snoozed"))
      return asked === period ? askedStop(inst) : screenedOut(inst, RESTARTED);
    return screenedOut(inst, out ?? NOT_ASKED);
  }

  /** What a machine waiting for its metrics keeps: only this function's own warning, proven for this machine and running period, counts. */
  private candidate(inst: RegionalInstance, tags: ReadonlyMap<string, string>, period: string): Waiting {
    const { InstanceId, InstanceName, Region, InstanceType, Placement, CreatedTime } = inst;
    const warning = readWarning(tags.get(warningTagKey("auto-stop-idle")), this.x.limits.warningSecret, {
      fn: "auto-stop-idle",
      region: this.x.region,
      instance: InstanceId,
      period,
    });
    const owner = tags.get(OWNER_TAG);
    return {
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
  }

  /** This run's turn of the rotation; the rest wait for theirs, every one within ⌈queued ÷ budget⌉ runs. */
  private takeTurn(): void {
    const turn = takeTurn(this.queued, (q) => q.inst.InstanceId, this.x.limits.verifyAtMost!, this.x.limits.run ?? 0);
    for (const w of turn.admitted) this.admit(w);
    for (const q of turn.deferred) this.emit(screenedOut(q.inst, DEFERRED));
  }

  private admit(w: Waiting): void {
    this.candidateTypes.add(w.inst.InstanceType);
    this.pending.set(w.inst.InstanceId, w);
    this.cpu.add(w.inst.InstanceId);
  }

  private emit(raw: Decision): void {
    const ended = this.expired.get(raw.id);
    const d = ended === undefined ? raw : snoozeEnded(raw, ended.until, this.x.now, this.x.policy.runEveryMs);
    if (ended !== undefined) this.expired.delete(raw.id);
    if (d.action) this.decisions.push(d);
    else this.x.keep(d);
  }

  private async cpuAnswered(ids: string[]): Promise<void> {
    const { client, region, policy, now, limits } = this.x;
    const values = await getInstanceMetric(client, region, "CPUUsage", ids, this.window);
    for (const id of ids) {
      const cpu = values.get(id) ?? NO_POINTS;
      limits.memory?.saw(id, cpu);
      // The CPU is judged once, here: a machine it settles is decided now, a calm one waits for its traffic.
      const v = cpuVerdict(cpu, policy, now);
      if ("calm" in v) {
        this.idleSeen = true;
        this.pending.get(id)!.calm = v.calm;
        this.traffic.add(id);
      } else this.settle(id, v.settled);
    }
    this.maybeLikely();
  }

  private async trafficAnswered(ids: string[]): Promise<void> {
    const { client, region } = this.x;
    const [lan, wan] = await settleAll([
      getInstanceMetric(client, region, "LanOuttraffic", ids, this.window),
      getInstanceMetric(client, region, "WanOuttraffic", ids, this.window),
    ]);
    // The plan joins the two series on their timestamps.
    for (const id of ids) {
      const p = this.pending.get(id)!;
      const both = { lan: lan.get(id) ?? NO_POINTS, wan: wan.get(id) ?? NO_POINTS, noPublicIp: p.noPublicIp };
      this.settle(id, trafficJudgement(both, this.x.policy, this.x.now, p.calm!));
    }
  }

  private settle(id: string, j: Judgement): void {
    this.emit(judgedAs(this.pending.get(id)!.inst, j, this.x.policy, this.x.now));
    this.pending.delete(id);
    if (this.pending.size < MAX_WAITING) this.wakeUp();
  }

  /** Once the listing is done and some machine's CPU looked idle: the price lookup may start beside the traffic queries. */
  private maybeLikely(): void {
    const call = this.x.stopsLikely;
    if (!this.listed || !this.idleSeen || !call) return;
    this.x.stopsLikely = undefined;
    call(this.candidateTypes);
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async roomForMore(): Promise<void> {
    while (this.pending.size >= MAX_WAITING && this.failed === undefined)
      await new Promise<void>((resolve) => (this.wake = resolve));
  }

  /** A metric batch that fails wakes the listing too, so it stops instead of waiting forever. */
  private watched(send: (ids: string[]) => Promise<void>) {
    return async (ids: string[]) => {
      try {
        await send(ids);
      } catch (err) {
        this.failed ??= err;
        this.wakeUp();
        throw err;
      }
    };
  }
}

/**
 * Decides every in-scope instance of a region as its data arrives (RegionDecider); returns the
 * decisions that ask for a write.
 */
export function decideRegion(
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
  return new RegionDecider({ client, region, policy, now, only, keep, stopsLikely, limits }).run();
}
