/**
 * The runs a container starts without an HTTP request: a scheduled run (or, with FANOUT=auto, a
 * coordinator of shards), a fanned-out shard worker, and an alarm callback's verification.
 */
import { createRunDeps } from "../runtime/run-deps.ts";
import { historyFromEnv } from "../history/from-env.ts";
import type { Trigger } from "../report/trigger.ts";
import type { ReportBase } from "../report/report-head.ts";
import { parseAlarmEvent, type AlarmEvent } from "./alarm-event.ts";
import { coordinate, listShards, shardRegions, type ShardEvent } from "./fanout.ts";
import { parseShardEvent, verifyShard } from "./shard-event.ts";
import { RunFailedError, runFailed, type Container, type InvokerFor } from "./container.ts";

/**
 * A scheduled run: its report, or RunFailedError (after the report is logged) when it failed.
 * With FANOUT=auto and more than one shard it coordinates instead: one asynchronous invocation
 * of this function per shard.
 */
export async function timerRun(
  host: Container,
  requestId: string | undefined,
  invokerFor?: InvokerFor,
): Promise<ReportBase> {
  const { name, logger, fn } = host;
  const c = invokerFor ? host.load().config : undefined;
  if (c && invokerFor && c.fanout === "auto") {
    logger.appendKeys({ function: name, invocationId: requestId, trigger: "timer" });
    try {
      const deps = createRunDeps(c, { logger });
      const trigger: Trigger = { source: "timer", requestId };
      const { shards, errors } = await listShards(c, deps, trigger, fn.shardBy === "region");
      if (shards.length > 1 || errors.length) {
        const report = await coordinate(fn, c, trigger, deps, shards, errors, invokerFor(c, deps.client));
        if (report.errors.length) throw new RunFailedError(report);
        return report;
      }
    } finally {
      logger.resetKeys();
    }
  }
  const report = await host.runWith({ source: "timer", requestId });
  if (runFailed(report)) throw new RunFailedError(report);
  return report;
}

/** An alarm callback's verification, delivered asynchronously: a run that verifies the one machine it names. */
export async function alarmRun(host: Container, event: AlarmEvent, requestId: string | undefined): Promise<ReportBase> {
  const { name, logger } = host;
  const parsed = parseAlarmEvent(event, name);
  if ("problem" in parsed) {
    logger.error("alarm verification refused", { function: name, problem: parsed.problem, invocationId: requestId });
    throw new TypeError(`${name}: alarm verification refused: ${parsed.problem}`);
  }
  // Not thrown when the run reports errors: the platform's retries would repeat a run that is already logged.
  return host.runWith({ source: "webhook", requestId, alarmed: [parsed.instance] });
}

/** A fanned-out worker: the one shard its coordinator gave it, under the coordinator's run id. */
export function shardWorker(host: Container) {
  const { name, logger, fn } = host;
  /** Shards of runs this container has run (run id, account, region), the oldest forgotten past 10,000. */
  const shardsRun = new Set<string>();
  const refuse = (problem: string, requestId: string | undefined): never => {
    logger.error("shard refused", { function: name, problem, invocationId: requestId });
    throw new TypeError(`${name}: shard refused: ${problem}`);
  };
  return async (event: ShardEvent, requestId: string | undefined): Promise<ReportBase> => {
    const parsed = parseShardEvent(event);
    if (!parsed.ok) return refuse(parsed.problem, requestId);
    const e = parsed.value;
    if (e.function !== name)
      throw new TypeError(`${name}: a shard event for ${String(e.function)} reached this function`);
    const l = host.load();
    // One client for the check and the run: they share the account's call budget.
    const deps = createRunDeps(l.config, {
      logger,
      runId: e.runId,
      history: historyFromEnv(host.env(), { local: false }),
    });
    const problem = await verifyShard(l.config, e, deps.client, fn.shardBy === "region");
    if (problem) return refuse(problem, requestId);
    // A duplicate delivery (a platform may deliver an asynchronous event more than once) runs nothing.
    const regions = shardRegions(e.shard);
    const once = `${e.runId}/${e.shard.account.uin}/${(regions ?? []).join(",")}`;
    if (shardsRun.has(once)) return duplicate(host, e, regions, requestId);
    shardsRun.add(once);
    if (shardsRun.size > 10_000) shardsRun.delete(shardsRun.values().next().value!);
    const trigger: Trigger = {
      source: "shard",
      requestId,
      dryRun: e.dryRun,
      ...(regions ? { regions } : {}),
      shard: { account: e.shard.account, count: e.shards, size: regions?.length ?? 1 },
    };
    logger.appendKeys({ function: name, invocationId: requestId, trigger: "shard", account: e.shard.account.uin });
    try {
      const report = await l.run(trigger, deps);
      logger.info(fn.summarize(report));
      if (runFailed(report)) {
        logger.warn("run report", { report });
        throw new RunFailedError(report);
      }
      return report;
    } finally {
      logger.resetKeys();
    }
  };
}

type ShardValue = Extract<ReturnType<typeof parseShardEvent>, { ok: true }>["value"];

/** A shard this container already ran: logged, and a report that says so, with nothing done. */
function duplicate(
  host: Container,
  e: ShardValue,
  regions: string[] | undefined,
  requestId: string | undefined,
): ReportBase {
  host.logger.warn("duplicate delivery: this shard of this run already ran here; nothing done", {
    function: host.name,
    runId: e.runId,
    account: e.shard.account.uin,
    regions,
    invocationId: requestId,
  });
  return {
    function: host.name,
    runId: e.runId,
    trigger: "shard",
    dryRun: e.dryRun,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    regions: regions ?? [],
    errors: [],
    duplicate: true,
  } as ReportBase;
}
