/**
 * What history keeps: one object per run and account (a RunRecord), written once and never
 * changed, keyed `runs/<UTC day>/<function>/<account>/<time>-<runId>.json`. A record holds what
 * the run did (every write it asked for and its outcome), the ledger events it saw (our stops, our
 * starts, machines found running again), and the intervals still open after it, which is all the
 * next run of the same function needs to read.
 */
import { randomUUID } from "node:crypto";
import type { OutcomeCounts } from "../report/report.ts";

/** Hourly prices by step of hours used (see functions/auto-stop-idle/prices.ts); `first` alone for a flat price. */
export interface PriceSteps {
  first?: number | undefined;
  second?: number | undefined;
  third?: number | undefined;
}

/** A stop of ours, as the machine stood right after it. */
export interface StopEvent {
  type: "stop";
  id: string;
  region: string;
  /** When the StopInstances call was made (the run's clock). */
  at: string;
  /**
   * What DescribeInstances says of the stopped machine (StopChargingMode): only STOP_CHARGING
   * stops billing for compute (CVM "Shutdown without charging"); KEEP_CHARGING saves nothing.
   */
  stoppedMode: string;
  price?: PriceSteps | undefined;
  currency: string;
  /** Its creation time: a pay-as-you-go price steps down with the hours used since. */
  createdTime?: string | undefined;
  instanceType?: string | undefined;
  projectId?: number | undefined;
  tags: Record<string, string>;
}

/** A start of ours, or a machine found running (or gone) that we had stopped: the interval ends. */
export interface CloseEvent {
  type: "close";
  id: string;
  region: string;
  /** When the start was made, or when the machine was found running. */
  at: string;
  /** The last instant the machine is known to have been stopped: our start's time, or the last run that saw it stopped. */
  lastStopped: string;
  /** The stop that opened the interval. */
  stoppedAt: string;
  by: "our-start" | "seen-running" | "seen-gone";
}

export type LedgerEvent = StopEvent | CloseEvent;

/** A stop whose machine was still stopped when the run looked. */
export interface OpenInterval {
  id: string;
  region: string;
  stoppedAt: string;
  /** The record holding the stop event. */
  record: string;
  /** The last time a run saw it stopped. */
  seen: string;
}

export interface ActionEntry {
  id: string;
  region: string;
  name?: string | undefined;
  action: string;
  kind: string;
  outcome: string;
  code?: string | undefined;
}

export interface RunRecord {
  version: 1;
  function: string;
  runId: string;
  account: string;
  trigger: string;
  startedAt: string;
  finishedAt: string;
  scanned: number;
  outcomes: OutcomeCounts;
  errors: Array<{ code: string; message: string; id?: string | undefined }>;
  actions: ActionEntry[];
  events: LedgerEvent[];
  open: OpenInterval[];
}

/**
 * A record's key: its UTC day, a sortable time of day, the run id, and a part of its own — the
 * shards of one fanned-out run share the run id and may start in the same millisecond, and no
 * two writers may ever share a key.
 */
export function recordKey(r: Pick<RunRecord, "function" | "account" | "startedAt" | "runId">): string {
  const day = r.startedAt.slice(0, 10);
  const time = r.startedAt.slice(11, 23).replace(/:/g, "");
  return `runs/${day}/${r.function}/${r.account}/${time}Z-${r.runId}-${randomUUID().slice(0, 8)}.json`;
}

/** The prefix of one day's records: all of them, or a function's, or a function's in one account. */
export const dayPrefix = (day: string, fn?: string, account?: string) =>
  `runs/${day}/${fn ? `${fn}/${account ? `${account}/` : ""}` : ""}`;

/** A record read back, or undefined for text that is not one (a half-written or foreign object is skipped, never guessed at). */
export function parseRecord(text: string | undefined): RunRecord | undefined {
  if (!text) return undefined;
  try {
    const r = JSON.parse(text) as RunRecord;
    return r && r.version === 1 && Array.isArray(r.events) && Array.isArray(r.open) ? r : undefined;
  } catch {
    return undefined;
  }
}
