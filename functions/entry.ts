/** What each function exposes to the CLI, the local server and the platform adapters. */
import type { BaseConfig, Env } from "../lib/config/config.ts";
import { redact } from "../lib/log/redact.ts";
import type { RunDeps } from "../lib/runtime/runtime.ts";
import type { ReportBase, Trigger } from "../lib/runtime/trigger.ts";

export interface FunctionEntry<C extends BaseConfig = BaseConfig, R extends ReportBase = ReportBase> {
  loadConfig(env: Env): C;
  run(config: C, trigger: Trigger, deps: RunDeps): Promise<R>;
  /** One line for people: what happened and why. */
  summarize(report: R): string;
}

/**
 * Erases the config and report types so entries can sit in one table. Every report leaves a
 * run redacted by the same rules as the logs: an API error message can quote a credential, and a
 * report goes to stdout, a webhook's reply and the platform's return value (issue 14).
 */
export const entry = <C extends BaseConfig, R extends ReportBase>(e: FunctionEntry<C, R>): FunctionEntry =>
  ({ ...e, run: async (config: C, trigger: Trigger, deps: RunDeps) => redact(await e.run(config, trigger, deps)) as R }) as unknown as FunctionEntry;
