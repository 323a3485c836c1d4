/**
 * Fault injection, per action and deterministic for a seed: API error codes, HTTP 5xx,
 * slow replies, dropped connections, non-JSON, truncated or arbitrary bodies, and an instance
 * whose state changes between a caller's describe and its action.
 */
import type { InstanceState } from "../lib/tencent/data-types.ts";
import { seededRandom, type Random } from "./random.ts";

export type FaultKind =
  | "error"
  | "http5xx"
  | "drop"
  | "slow"
  | "nonJson"
  | "truncate"
  | "stateChange"
  | "body"
  // Ordinary change a real account shows: a listing that moves while it is paged, a
  // reply missing a field, a metric series missing points.
  | "shiftListing"
  | "omit"
  | "dropPoints";

export interface FaultRule {
  /** Action name, or `*` for every action. */
  action: string;
  kind: FaultKind;
  region?: string;
  /** Probability per matching request, 0..1 (default 1). */
  rate?: number;
  /** Fire at most this many times (default: unlimited). */
  count?: number;
  /** Skip this many matching requests before firing (e.g. fail the 3rd call). */
  after?: number;
  code?: string;
  message?: string;
  status?: number;
  delayMs?: number;
  /** For `stateChange`: the state the first instance in InstanceIds is moved to before the action runs. */
  toState?: InstanceState;
  /** For `body`: the exact reply body to send instead of the real answer (malformed replies). */
  body?: string;
  /** For `shiftListing`: take away the first unused row of the region's listing, or put a new row ahead of all. */
  shift?: "remove" | "insert";
  /** For `omit`: the reply field to leave out (e.g. TotalCount). */
  field?: string;
  /** For `dropPoints`: indexes of the points to take out of every series in the reply. */
  points?: number[];
  /** Fire only for requests from this account (uin). */
  account?: string;
  /** Fire only for GetMonitorData requests for this metric. */
  metric?: string;
  /** HTTP status for `http5xx` (also 429), with an optional Retry-After header (seconds). */
  retryAfter?: string;
  /** Programmatic only: fire just for requests whose parameters match. */
  match?: (params: Record<string, unknown>) => boolean;
  /** Programmatic only, for `slow`: hold the request until this is true (at most delayMs), to force an interleaving. */
  until?: () => boolean;
}

interface ActiveRule extends FaultRule {
  fired: number;
  seen: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private random: Random;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  add(...rules: FaultRule[]): void {
    for (const r of rules) this.rules.push({ ...r, fired: 0, seen: 0 });
  }

  clear(seed?: number): void {
    this.rules = [];
    if (seed !== undefined) this.random = seededRandom(seed);
  }

  list(): FaultRule[] {
    return this.rules.map(({ match: _m, until: _u, ...r }) => r);
  }

  /** The faults that fire for this request, in rule order. */
  pick(action: string, region: string | undefined, params: Record<string, unknown>, account?: string): FaultRule[] {
    const fired: FaultRule[] = [];
    for (const r of this.rules) {
      if (r.action !== "*" && r.action !== action) continue;
      if (r.account && r.account !== account) continue;
      if (r.region && r.region !== region) continue;
      if (r.match && !r.match(params)) continue;
      if (r.metric && params.MetricName !== r.metric) continue;
      if (r.count !== undefined && r.fired >= r.count) continue;
      r.seen++;
      if (r.after !== undefined && r.seen <= r.after) continue;
      if (this.random() >= (r.rate ?? 1)) continue;
      r.fired++;
      fired.push(r);
    }
    return fired;
  }
}

/** Post-handler faults: a field left out, points missing from every series of a metric reply. */
export function alterReply(fields: Record<string, unknown>, f: FaultRule): void {
  if (f.kind === "omit" && f.field) delete fields[f.field];
  if (f.kind === "dropPoints" && Array.isArray(fields.DataPoints)) {
    const drop = new Set(f.points ?? [0]);
    for (const dp of fields.DataPoints as Array<{ Timestamps: number[]; Values: number[] }>) {
      dp.Timestamps = dp.Timestamps.filter((_, i) => !drop.has(i));
      dp.Values = dp.Values.filter((_, i) => !drop.has(i));
    }
  }
}
