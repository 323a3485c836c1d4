/** What each function exposes to the CLI, the local server and the platform adapters. */
import type { BaseConfig, Env } from "../lib/config/config.ts";
import type { RunDeps } from "../lib/runtime/runtime.ts";
import type { ReportBase, Trigger } from "../lib/runtime/trigger.ts";

export interface FunctionEntry<C extends BaseConfig = BaseConfig, R extends ReportBase = ReportBase> {
  loadConfig(env: Env): C;
  run(config: C, trigger: Trigger, deps: RunDeps): Promise<R>;
  /** One line for people: what happened and why. */
  summarize(report: R): string;
}

/** Erases the config and report types so entries can sit in one table. */
export const entry = <C extends BaseConfig, R extends ReportBase>(e: FunctionEntry<C, R>): FunctionEntry =>
  e as unknown as FunctionEntry;
