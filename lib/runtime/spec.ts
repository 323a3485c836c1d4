/**
 * The one shape every function has: declared once as a FunctionSpec — name,
 * description, default schedule, env schema, the kinds of decision it makes — and run by the one
 * runner (runner.ts): narrow → decide per region (collect + pure plan) → guard → apply → report.
 * Everything that lists functions (CLI, help, serve, schedules, bundles, deploy environments)
 * reads the registry of specs; nothing keeps its own list of names.
 */
import type { BaseConfig, Env } from "../config/config.ts";
import type { Settings } from "../config/settings.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import type { Logger } from "../log/logger.ts";
import type { ErrorEntry } from "../report/report-head.ts";
import type { ActionName } from "../tencent/actions.ts";
import type { Column, Decision, Guard, Outcome } from "../report/decision.ts";
import type { HistoryStore } from "../history/store.ts";

export {
  decisionOf,
  keyOf,
  type Column,
  type Decision,
  type Guard,
  type Outcome,
  type OutcomeStatus,
} from "../report/decision.ts";

export interface RunContext<C extends BaseConfig> {
  config: C;
  client: TencentCloudClient;
  logger: Logger;
  now: Date;
  sleep: (ms: number) => Promise<void>;
  /** Real time since the run began (ms, monotonic, whatever `now` says): what a platform's run timeout counts. */
  runningFor(): number;
  dryRun: boolean;
  /** Regions of this run, after any narrowing. */
  regions: string[];
  /**
   * When set, only these instances may be touched (a webhook narrowed the run). The runner
   * enforces it: a write decision on anything else is refused as an error (trigger.ts, admits);
   * a function still filters by it to read and decide less.
   */
  only: Set<string> | undefined;
  /** Instances an alarm callback named: the only ones whose metrics are read, without narrowing the scope (Trigger.alarmed). */
  alarmed?: Set<string> | undefined;
  /** Instances a signed "stop now" link named, each with the running period it was issued for (Trigger.stopNow). */
  stopNow?: ReadonlyMap<string, string> | undefined;
  /**
   * The history store and this run's id, when history is kept: where a function may keep what it
   * learnt for its next run, or read what earlier runs did (prepaid-advice reads the ledger).
   */
  history?: { store: HistoryStore; runId: string } | undefined;
  /**
   * Hands the runner one decision that asks for no write, as soon as it is made: counted and
   * sampled, never held, so a region of 10,000 machines does not keep 10,000 decisions. Counted
   * only if the region completes. Decisions that ask for a write are returned from decide, unless
   * the function streams its writes (FunctionSpec.streamWrites).
   */
  decided(d: Decision): void;
}

/**
 * What a run-wide step sees of the decisions: the ones that ask for a write, and how many of
 * each kind there were. The runner keeps no more than this (and the report's capped lists), so a
 * run's memory does not grow with every resource it left alone.
 */
export interface DecisionSummary<K extends string, D extends Record<string, unknown> = Record<string, unknown>> {
  acting: Array<Decision<K, D>>;
  byKind: Partial<Record<K, number>>;
}

/** What one region's decide step found: its decisions, and whatever it wants reported beside them. */
export interface RegionResult<
  K extends string,
  P = never,
  D extends Record<string, unknown> = Record<string, unknown>,
> {
  decisions: Array<Decision<K, D>>;
  /**
   * What apply needs of this region beyond its decisions (key rotation's plan and view), handed to
   * apply as it was; from decideAll, the run's one carry (image-sync's sources), under every region.
   */
  carry?: P;
  errors?: ErrorEntry[];
  notes?: Record<string, unknown[]>;
  /** The full count of a notes list the function cut short (it need hold no more than the report lists). */
  notesCount?: Record<string, number>;
}

/** What `deploy` hands a function that keeps cloud resources beside its code. */
/** An account deploy provisions in (ACCOUNTS): a client acting there, or why there is none. */
export type ProvisionAccount = { label: string; client: TencentCloudClient } | { label: string; problem: string };

export interface ProvisionContext<C extends BaseConfig> {
  client: TencentCloudClient;
  /** The accounts of ACCOUNTS, each through its assumed role; undefined: the deployer's own account alone. */
  accounts?: ProvisionAccount[] | undefined;
  logger: Logger;
  /** The regions the functions run in (REGIONS, resolved). */
  regions: string[];
  dryRun: boolean;
  /** The function's config; undefined for `deploy --remove`, which removes whatever is ours whatever the config says. */
  config: C | undefined;
}

/** One thing provisioning did or would do (a dry run says `would …`). */
export interface ProvisionStep {
  action: string;
  detail?: string;
  requestId?: string;
}

export interface FunctionSpec<
  C extends BaseConfig = BaseConfig,
  K extends string = string,
  P = never,
  E extends Record<string, unknown> = Record<string, unknown>,
  D extends Record<string, unknown> = Record<string, unknown>,
> {
  name: string;
  /** One line for `--help` and the deploy's function description. */
  description: string;
  /** Default 5-field cron, in UTC. */
  schedule: string;
  /** Every setting the function reads beyond the shared ones, declared in its config.ts (lib/config/settings.ts). */
  settings: Settings;
  /**
   * Every API action its runs call, beyond what the runtime calls for any function
   * (lib/deploy/cam-policy.ts, RUNTIME_CALLS): its own CAM policy is derived from this list and
   * nothing else, so a read-only function's role cannot stop a machine. Deploy-time writes
   * (`provision`) are the deployer's and are not listed. What its writes change follows from it too
   * (scope-words.ts): `serve` never runs two functions that change the same thing at once.
   */
  calls: readonly ActionName[];
  /**
   * Settings under which it plans a write on the demo fleet (a real account sets its own): `npm
   * start` with no credentials runs with them (yours win, and it says which it used), and so do
   * the checks every writing function gets (test/trigger-narrows, the derived hardening scenario).
   */
  demoSettings?: Readonly<Record<string, string>>;
  /** Which resources it acts on under this config, in one line for people (the live banner, `validate`); default: its description. */
  scope?(config: C): string;
  loadConfig(env: Env): C;
  /** The closed list of kinds, each with the words reports use for it. */
  kinds: Record<K, string>;
  /** Regions to run in (default: REGIONS, or every available one for `all`). */
  regions?(ctx: Omit<RunContext<C>, "regions" | "only" | "dryRun" | "decided">): Promise<string[]>;
  /** Collect and plan one region (the plan itself is pure and table-tested). */
  decide?(ctx: RunContext<C>, region: string): Promise<RegionResult<K, P, D>>;
  /** Or, for a function whose plan spans regions (one deletion budget, one source for many destinations): all regions at once. */
  decideAll?(ctx: RunContext<C>): Promise<RegionResult<K, P, D>>;
  /** Run-wide checks before anything is written; may withhold every write. */
  guard?(summary: DecisionSummary<K, D>, config: C): Guard;
  /** What an operator changes when the guard holds a run back: the settings, by name. */
  guardHelp?: string;
  /**
   * For a function with no guard, so nothing run-wide to wait for: its writes may start while
   * regions are still read. Decisions that ask for a write then go to ctx.decided as well; the
   * runner groups them by `key` and applies a group as soon as it holds `size` (one call's worth),
   * and what is left when its region ends. A write handed over is reported even if its region
   * fails later: it may already have been made.
   */
  streamWrites?: { key(d: Decision<K, D>): string; size: number };
  /**
   * Carries out the decisions that ask for a write; an outcome for each, keyed by `region/id`.
   * A read-only function (one whose decisions never ask for a write) leaves it out.
   */
  apply?(
    ctx: RunContext<C>,
    acting: Array<Decision<K, D>>,
    carried: ReadonlyMap<string, P>,
  ): Promise<Map<string, Outcome>>;
  /**
   * A shard's share of run-wide count limits (a maximum count of stops, of deletions) when a run
   * is split into `shards` shards: each gets floor(limit / shards), so all together
   * never exceed the limit. Share-of-scope limits need no division: each shard has its own scope.
   */
  shareLimits?(config: C, shards: number): C;
  /**
   * Cloud resources the function needs beside its code (auto-stop's idle alarm policies), kept
   * as the config says by `deploy` and removed by `deploy --remove`. Idempotent: a second deploy
   * with nothing changed writes nothing.
   */
  provision?(ctx: ProvisionContext<C>): Promise<ProvisionStep[]>;
  /** Takes Cloud Monitor alarm callbacks (`/alarm/<token>`): a run that verifies only the machine a callback names (Trigger.alarmed). */
  alarmCallback?: boolean;
  /** Serves a warning's signed links (`/snooze`: a GET shows, the button's POST acts): a snooze tag on one instance, or a "stop now" run for it. */
  snoozeLinks?: boolean;
  /** Serves schedule-advisor's signed accept links (`/accept`: a GET shows, the button's POST writes the office-hours tag). */
  acceptLinks?: boolean;
  /** Run-wide notices for people (FunctionSpec-level facts, not per resource), asked once per run. */
  notices?(ctx: RunContext<C>): string[];
  /** What its schedules will do next, from its config alone (office-hours' starts and stops), for the dashboard. */
  upcoming?(config: C, now: Date, count: number): Promise<Upcoming[]>;
  /**
   * The table's own columns for the writes (auto-stop's zone, type and price; renew-flag's flag
   * from → to), least worth first: a narrow terminal drops them in this order.
   */
  columns?(config: C): Array<Column<K, D>>;
  /** How an entry of each notes list reads, one line for people (renew-flag's expiry warnings): in the table and messages. */
  noteLines?: Record<string, (note: never) => string>;
  /** Extra summary fields for the report, computed from decisions and outcomes. */
  extras?(acting: Array<Decision<K, D>>, outcomes: Map<string, Outcome>, ctx: RunContext<C>): E | Promise<E>;
  /** The words for each extras field, one per field the type has: a report never shows a field's code name. */
  extraLabels?: { [F in keyof Required<E>]: string };
}

/** Declares a function; the identity function that lets TypeScript infer the config and kinds. */
export const defineFunction = <
  C extends BaseConfig,
  K extends string,
  P = never,
  E extends Record<string, unknown> = Record<string, unknown>,
  D extends Record<string, unknown> = Record<string, unknown>,
>(
  spec: FunctionSpec<C, K, P, E, D>,
): FunctionSpec<C, K, P, E, D> => {
  // A guard needs every decision before the first write; streamed writes would go before it.
  if (spec.guard && spec.streamWrites)
    throw new TypeError(`${spec.name}: a function with a guard cannot stream its writes`);
  if (spec.streamWrites && !spec.apply)
    throw new TypeError(`${spec.name}: a function that streams its writes needs an apply`);
  return spec;
};

/** A scheduled action to come, as the dashboard lists it: read from config, never from the machines. */
export interface Upcoming {
  at: number;
  /** `skip`: a day the calendar keeps off although its weekday has hours. */
  action: "start" | "stop" | "skip";
  /** The schedule's name (the tag value machines carry). */
  schedule: string;
  /** The schedule's time zone, to show the time as its machines' owners read it. */
  zone: string;
  /** The kind of day that decides it: working day, holiday, make-up workday. */
  dayKind: string;
}
