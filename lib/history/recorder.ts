/**
 * After each run that may have acted: what it did goes into history as one new object (a
 * RunRecord), with the ledger's events — our stops (with the machine's price, billing mode and
 * tags as DescribeInstances gives them just after), our starts, and the machines we had stopped
 * that are found running again or gone. A store that fails never fails the run: its error is
 * returned for the report, and the actions stand.
 */
import { callerAccount } from "../accounts/resolve.ts";
import type { Logger } from "../log/logger.ts";
import type { ErrorEntry } from "../report/report-head.ts";
import { outcomeStatus, resultOf, type RunReport } from "../report/report.ts";
import { keyOf, type Decision, type Outcome } from "../report/decision.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import type { Instance } from "../tencent/data-types.ts";
import { errorRecord } from "../tencent/errors.ts";
import { describeInstancesByIds } from "../tencent/services.ts";
import { readOpen } from "./read.ts";
import { stillOpen } from "./ledger.ts";
import {
  recordKey,
  type ActionEntry,
  type CloseEvent,
  type LedgerEvent,
  type OpenInterval,
  type PriceSteps,
  type RunRecord,
  type StopEvent,
} from "./records.ts";
import { HistoryStoreError, type HistoryStore } from "./store.ts";

export interface RunFacts {
  function: string;
  runId: string;
  trigger: string;
  startedAt: Date;
  finishedAt: Date;
  dryRun: boolean;
  client: TencentCloudClient;
  /** The region account-wide calls go to (GetCallerIdentity). */
  region: string;
  logger: Logger;
  report: Pick<RunReport, "scanned" | "outcomes" | "errors" | "guard">;
  acting: readonly Decision[];
  outcomes: ReadonlyMap<string, Outcome>;
}

/** What the runner is handed: a place to keep each run's record. */
export interface HistorySink {
  readonly store: HistoryStore;
  record(run: RunFacts): Promise<ErrorEntry[]>;
}

const STOPPED = new Set(["STOPPED", "STOPPING"]);
const accounts = new WeakMap<TencentCloudClient, Promise<string>>();
/** The account a client acts in, asked once per client (GetCallerIdentity); auto-stop's busy memory is kept by it too. */
export function accountOf(client: TencentCloudClient, region: string): Promise<string> {
  let a = accounts.get(client);
  if (!a) {
    a = callerAccount(client, region).then((x) => x.uin);
    a.catch(() => accounts.delete(client));
    accounts.set(client, a);
  }
  return a;
}

export function historySink(store: HistoryStore): HistorySink {
  return {
    store,
    async record(run) {
      if (run.dryRun) return [];
      try {
        return await recordRun(store, run);
      } catch (err) {
        // The store's own code (AccessDenied, NoSuchBucket, ENOSPC) and RequestId, not a generic one.
        const e =
          err instanceof HistoryStoreError
            ? { code: err.code, message: err.message, requestId: err.requestId }
            : errorRecord(err);
        run.logger.warn("history not kept; the run's actions stand", { where: store.where, ...e });
        return [{ ...e, action: "History", message: `history not kept in ${store.where}: ${e.message}` }];
      }
    },
  };
}

const done = (run: RunFacts, action: string) =>
  run.acting.filter((d) => d.action === action && run.outcomes.get(keyOf(d))?.status === "done");

/** Looks up machines by id, region by region; a region that fails is reported and its machines left as they were. */
async function observe(run: RunFacts, ids: Map<string, Set<string>>, errors: ErrorEntry[]) {
  const seen = new Map<string, Instance>();
  const failed = new Set<string>();
  for (const [region, set] of ids) {
    try {
      for (const i of await describeInstancesByIds(run.client, region, [...set]))
        seen.set(`${region}/${i.InstanceId}`, i);
    } catch (err) {
      failed.add(region);
      errors.push({
        region,
        ...errorRecord(err),
        message: `history: machines not looked up: ${errorRecord(err).message}`,
      });
    }
  }
  return { seen, failed };
}

async function recordRun(store: HistoryStore, run: RunFacts): Promise<ErrorEntry[]> {
  const errors: ErrorEntry[] = [];
  const account = await accountOf(run.client, run.region);
  const head = { function: run.function, account, startedAt: run.startedAt.toISOString(), runId: run.runId };
  const key = recordKey(head);
  const before = await readOpen(store, run.function, account, run.startedAt);
  const stops = done(run, "stop");
  const starts = done(run, "start");
  const wanted = new Map<string, Set<string>>();
  for (const x of [...before, ...stops])
    (wanted.get(x.region) ?? wanted.set(x.region, new Set()).get(x.region)!).add(x.id);
  const { seen, failed } = await observe(run, wanted, errors);
  const at = run.finishedAt.toISOString();
  const events: LedgerEvent[] = [];
  const closed = new Set<string>();
  const close = (o: OpenInterval, by: CloseEvent["by"], lastStopped: string) => {
    closed.add(`${o.region}/${o.id}/${o.stoppedAt}`);
    events.push({ type: "close", id: o.id, region: o.region, at, lastStopped, stoppedAt: o.stoppedAt, by });
  };
  const startedHere = new Set(starts.map((d) => keyOf(d)));
  const open: OpenInterval[] = [];
  for (const o of before) {
    const i = seen.get(keyOf(o));
    // Our own start ends it when the run began (the machine was stopped when the run decided).
    if (startedHere.has(keyOf(o))) close(o, "our-start", run.startedAt.toISOString());
    else if (failed.has(o.region)) open.push(o);
    else if (!i) close(o, "seen-gone", o.seen);
    else if (STOPPED.has(i.InstanceState)) open.push({ ...o, seen: at });
    else close(o, "seen-running", o.seen);
  }
  for (const d of stops) {
    const i = seen.get(keyOf(d));
    events.push(stopEvent(d, i, at));
    open.push({ id: d.id, region: d.region, stoppedAt: at, record: key, seen: at });
  }
  const record: RunRecord = {
    version: 1,
    ...head,
    trigger: run.trigger,
    finishedAt: at,
    scanned: run.report.scanned,
    outcomes: run.report.outcomes,
    errors: run.report.errors
      .slice(0, 100)
      .map((e) => ({ code: e.code, message: e.message, ...(e.id ? { id: e.id } : {}) })),
    actions: actionsOf(run),
    events,
    open: stillOpen(open, closed),
  };
  await store.create(key, `${JSON.stringify(record)}\n`);
  return errors;
}

/** Every write the run asked for, and what became of it: the report's entry (resultOf), without its prose and detail. */
function actionsOf(run: RunFacts): ActionEntry[] {
  // History is kept only for functions that write, and never for a dry run (historySink).
  const how = { writes: true, guardTripped: run.report.guard?.tripped === true, dryRun: run.dryRun };
  return run.acting.map((d) => {
    const o = run.outcomes.get(keyOf(d));
    const { id, region, name, action, kind, outcome, code } = resultOf(d, outcomeStatus(o, how), o);
    return { id, region, ...(name ? { name } : {}), action, kind, outcome, ...(code ? { code } : {}) };
  });
}

/** A stop as the ledger keeps it: the price the decision carried, the billing mode and tags DescribeInstances shows. */
function stopEvent(d: Decision, i: Instance | undefined, at: string): StopEvent {
  const steps = d.detail?.priceSteps as PriceSteps | undefined;
  const flat = typeof d.detail?.hourlyPrice === "number" ? { first: d.detail.hourlyPrice } : undefined;
  return {
    type: "stop",
    id: d.id,
    region: d.region,
    at,
    // Unknown when the machine could not be looked up: then nothing is counted as saved.
    stoppedMode: i?.StopChargingMode ?? "UNKNOWN",
    ...(steps?.first !== undefined ? { price: steps } : flat ? { price: flat } : {}),
    currency: typeof d.detail?.currency === "string" ? d.detail.currency : "CNY",
    ...(i ? { createdTime: i.CreatedTime, instanceType: i.InstanceType, projectId: i.Placement?.ProjectId } : {}),
    tags: Object.fromEntries((i?.Tags ?? []).map((t) => [t.Key, t.Value])),
  };
}
