/**
 * Where auto-stop's busy memory (busy-memory.ts) is kept: in the history store, one new object
 * per account, region and run, `busy/auto-stop-idle/<account>/<region>/<UTC day>/<HHMMSS.mmm>Z-<runId>.json`.
 * The account is GetCallerIdentity's, so each account of a many-account run, and each region,
 * keeps its own. A run reads the latest object of its account and region (listing today's keys,
 * or yesterday's when today has none: a remembered point lasts one look-back window, at most a
 * day), writes its own, and in a local directory removes the ones it read (a bucket expires
 * `busy/` by its lifecycle rule).
 *
 * Memory only ever saves queries: a store that cannot be read, refuses a write or holds
 * something unreadable leaves the run querying every machine, and the report names the error; a
 * concurrent run's object that wins the next read loses only what the other run learnt, which
 * costs queries, never a check. A run for named machines (a link, an alarm, a trigger with ids)
 * or in alarm mode checks its machines afresh and keeps nothing; a dry run reads but writes none.
 */
import { accountOf } from "../../lib/history/recorder.ts";
import { HistoryStoreError, type HistoryStore } from "../../lib/history/store.ts";
import type { ErrorEntry } from "../../lib/report/report-head.ts";
import type { RunContext } from "../../lib/runtime/spec.ts";
import { errorRecord } from "../../lib/tencent/errors.ts";
import { parseBusyFile, RegionMemory, spansFor, type BusySpan } from "./busy-memory.ts";
import type { AutoStopConfig } from "./config.ts";

const DAY = 86_400_000;
const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
const prefixOf = (account: string, region: string, day: string) => `busy/auto-stop-idle/${account}/${region}/${day}/`;
const keyFor = (account: string, region: string, now: Date, runId: string) =>
  `${prefixOf(account, region, dayOf(now.getTime()))}${now.toISOString().slice(11, 23).replace(/:/g, "")}Z-${runId}.json`;

/** One region's memory for a run, and how to keep what the run learnt. */
export interface BusyMemoryRun {
  memory?: RegionMemory;
  /** Why memory could not be read (the run queried every machine). */
  errors: ErrorEntry[];
  /** Writes what the run learnt once the region is decided; what failed is returned, never thrown. */
  keep(): Promise<ErrorEntry[]>;
}

const NONE: BusyMemoryRun = { errors: [], keep: async () => [] };

function storeError(region: string, where: string, doing: string, err: unknown): ErrorEntry {
  const e =
    err instanceof HistoryStoreError
      ? { code: err.code, message: err.message, requestId: err.requestId }
      : errorRecord(err);
  return { region, ...e, action: "History", message: `busy memory ${doing} ${where}: ${e.message}` };
}

/** The latest object's keys of a region (today's, else yesterday's) and its text. */
async function readLatest(store: HistoryStore, account: string, region: string, now: Date) {
  let keys = await store.list(prefixOf(account, region, dayOf(now.getTime())));
  if (!keys.length) keys = await store.list(prefixOf(account, region, dayOf(now.getTime() - DAY)));
  const latest = keys.at(-1);
  return { keys, text: latest === undefined ? undefined : await store.get(latest) };
}

/**
 * A region's memory for this run, read from the store: undefined memory when it does not apply
 * (no store, AUTO_STOP_REMEMBER_BUSY=false, alarm mode, a run for named machines).
 */
export async function busyMemory(ctx: RunContext<AutoStopConfig>, region: string): Promise<BusyMemoryRun> {
  const policy = ctx.config.policy;
  if (!ctx.history || !policy.rememberBusy || policy.source !== "polling") return NONE;
  if (ctx.only || ctx.alarmed || ctx.stopNow) return NONE;
  const { store, runId } = ctx.history;
  let account: string;
  try {
    account = await accountOf(ctx.client, ctx.config.region);
  } catch (err) {
    return { errors: [storeError(region, store.where, "not read: the account is unknown, for", err)], keep: NONE.keep };
  }
  const errors: ErrorEntry[] = [];
  let recalled: ReadonlyMap<string, BusySpan> = new Map();
  let read: string[] = [];
  try {
    const latest = await readLatest(store, account, region, ctx.now);
    read = latest.keys;
    if (latest.text !== undefined) {
      const parsed = parseBusyFile(latest.text);
      if ("problem" in parsed)
        errors.push({
          region,
          action: "History",
          code: "BusyMemoryUnreadable",
          message: `busy memory unreadable in ${store.where} (${latest.keys.at(-1)}): ${parsed.problem}; every machine was queried`,
        });
      // Written under other settings, or misplaced: it proves nothing here, and the next object replaces it.
      else if (parsed.file.account === account && parsed.file.region === region)
        recalled = spansFor(parsed, policy) ?? recalled;
    }
  } catch (err) {
    errors.push(storeError(region, store.where, "not read from", err));
  }
  const memory = new RegionMemory(recalled, policy, ctx.now);
  const keep = async (): Promise<ErrorEntry[]> => {
    // A store that could not be read is not written to this run: one error for the region, not two.
    if (ctx.dryRun || errors.some((e) => e.code !== "BusyMemoryUnreadable")) return [];
    const key = keyFor(account, region, ctx.now, runId);
    try {
      await store.create(key, `${JSON.stringify(memory.toFile(account, region))}\n`);
    } catch (err) {
      return [storeError(region, store.where, "not kept in", err)];
    }
    ctx.logger.info("busy memory kept", { region, recalled: recalled.size, kept: memory.size });
    // Only objects older than ours: a concurrent run's newer one is left for the next read.
    for (const old of read.filter((k) => k < key))
      await store
        .remove?.(old)
        .catch((err: unknown) =>
          ctx.logger.warn("busy memory: an old object not removed", { region, key: old, ...errorRecord(err) }),
        );
    return [];
  };
  return { memory, errors, keep };
}
