/**
 * A function as everything outside it sees it: its declaration (name, description, schedule,
 * variables) and how to load its config, run it and summarize a run. The CLI, `serve`, the
 * platform adapters, the bundles and the deploys all take these; none lists names of its own.
 */
import type { BaseConfig, Env } from "../config/config.ts";
import { variablesOf, type Settings } from "../config/settings.ts";
import { redact } from "../log/redact.ts";
import { summarize } from "./runner.ts";
import { runAccounts } from "./shards.ts";
import type { RunDeps } from "./run-deps.ts";
import type { FunctionSpec, ProvisionContext, ProvisionStep, Upcoming } from "./spec.ts";
import type { Trigger } from "../report/trigger.ts";
import type { RunReport } from "../report/report.ts";
import type { ActionName } from "../tencent/actions.ts";
import { touchesOf } from "./scope-words.ts";
import { notifyFailure, notifyRun } from "../notify/notify.ts";
import { callerAccount } from "../accounts/resolve.ts";

/**
 * A function with its config loaded. The function's own config type stays inside (the run
 * closes over it); hosts see the shared part, which is all they read (credentials, regions,
 * secrets, fan-out), so nothing between the registry and a handler needs a cast.
 */
export interface LoadedFunction {
  readonly config: BaseConfig;
  /** Which resources it acts on under this config, in one line (FunctionSpec.scope). */
  scope(): string;
  /** The same function with shared settings replaced: a role's fresh credentials at every invocation. */
  with(shared: Partial<BaseConfig>): LoadedFunction;
  run(trigger: Trigger, deps: RunDeps): Promise<RunReport>;
  /** What its schedules do next (FunctionSpec.upcoming), for the dashboard; absent for a function with none. */
  upcoming?(now: Date, count: number): Promise<Upcoming[]>;
}

export interface FunctionEntry {
  name: string;
  description: string;
  schedule: string;
  /** Its own settings, declared in its config.ts: the reference, `--help` and `validate` show them. */
  settings: Settings;
  /** Their variables, in declaration order (the deploy environments copy them). */
  variables: readonly string[];
  /** What its writes change, from its calls (scope-words.ts): functions sharing one are never run at the same instant by `serve`. */
  touches: readonly string[];
  /** The API actions its runs call (FunctionSpec.calls): its CAM policy comes from them. */
  calls: readonly ActionName[];
  /** The settings it runs with on the demo fleet (FunctionSpec.demoSettings); none: {}. */
  demoSettings: Readonly<Record<string, string>>;
  /** Whether its decisions may ask for writes (the spec has an apply): false for a read-only function. */
  writes: boolean;
  /** How a fanned-out run splits: a shard per account × region, or per account for a plan that spans regions. */
  shardBy: "region" | "account";
  /** Parses and checks the function's settings (a ConfigError lists every problem). */
  load(env: Env): LoadedFunction;
  /** One line for people: what happened and why. */
  summarize(report: RunReport): string;
  /** Keeps the function's cloud resources beside its code (FunctionSpec.provision): its config from `env`, none for a removal. */
  provision?(
    env: Env,
    ctx: Omit<ProvisionContext<BaseConfig>, "config"> & { remove: boolean },
  ): Promise<ProvisionStep[]>;
  /** Serves Cloud Monitor alarm callbacks (FunctionSpec.alarmCallback). */
  alarmCallback?: boolean;
  /** Serves a warning's signed links (FunctionSpec.snoozeLinks). */
  snoozeLinks?: boolean;
  /** Serves accept links (FunctionSpec.acceptLinks). */
  acceptLinks?: boolean;
}

/**
 * Every report leaves a run redacted by the same rules as the logs: an API error message can
 * quote a credential, and a report goes to stdout, a webhook's reply and the platform's return
 * value.
 */
const redacted =
  <C extends BaseConfig, R>(run: (c: C, t: Trigger, d: RunDeps) => Promise<R>) =>
  async (config: C, trigger: Trigger, deps: RunDeps) =>
    redact(await run(config, trigger, deps)) as R;

/**
 * Every run, from every trigger (CLI, serve, SCF, Lambda), ends with its one message to
 * NOTIFY_URLS: built from the redacted report, sent after the actions, and never failing them.
 */
const notified =
  <C extends BaseConfig>(name: string, run: (c: C, t: Trigger, d: RunDeps) => Promise<RunReport>) =>
  async (config: C, trigger: Trigger, deps: RunDeps): Promise<RunReport> => {
    // Signed messages carry the wall clock (DingTalk refuses a timestamp an hour off), not the run's clock.
    const notifyDeps = {
      logger: deps.logger,
      sleep: deps.sleep,
      account: async () => (await callerAccount(deps.client, config.region)).uin,
    };
    let report: RunReport;
    try {
      report = await run(config, trigger, deps);
    } catch (err) {
      await notifyFailure(config.notify, name, deps.runId, redact(err), notifyDeps);
      throw err;
    }
    // What is added to a report after its redaction is redacted too: a robot's error reply can quote its URL.
    const sent = redact(await notifyRun(config.notify, report, notifyDeps)) as RunReport["notifications"] & object;
    return sent.length ? { ...report, notifications: sent } : report;
  };

/** The entry of a function declared as a FunctionSpec, run by the one runner. */
export function fromSpec<C extends BaseConfig, K extends string, P>(spec: FunctionSpec<C, K, P>): FunctionEntry {
  const run = notified(
    spec.name,
    redacted((config: C, trigger, deps) => runAccounts(spec, config, trigger, deps)),
  );
  const loaded = (config: C): LoadedFunction => ({
    config,
    scope: () => spec.scope?.(config) ?? spec.description,
    with: (shared) => loaded({ ...config, ...shared }),
    run: (trigger, deps) => run(config, trigger, deps),
    ...(spec.upcoming ? { upcoming: (now: Date, count: number) => spec.upcoming!(config, now, count) } : {}),
  });
  return {
    name: spec.name,
    description: spec.description,
    schedule: spec.schedule,
    settings: spec.settings,
    variables: variablesOf(spec.settings),
    touches: touchesOf(spec.calls),
    calls: spec.calls,
    demoSettings: spec.demoSettings ?? {},
    writes: spec.apply !== undefined,
    shardBy: spec.decideAll ? "account" : "region",
    load: (env) => loaded(spec.loadConfig(env)),
    summarize: (r) => summarize(spec, r),
    ...(spec.alarmCallback ? { alarmCallback: true } : {}),
    ...(spec.snoozeLinks ? { snoozeLinks: true } : {}),
    ...(spec.acceptLinks ? { acceptLinks: true } : {}),
    ...(spec.provision
      ? {
          provision: (
            env: Env,
            { remove, ...ctx }: Omit<ProvisionContext<BaseConfig>, "config"> & { remove: boolean },
          ) => spec.provision!({ ...ctx, config: remove ? undefined : spec.loadConfig(env) }),
        }
      : {}),
  };
}
