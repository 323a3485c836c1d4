/** `history` (past runs and what each did) and `savings` (a month's realised savings), read from the history store. */
import type { Env } from "../lib/config/config.ts";
import { historyStoreFromEnv } from "../lib/history/from-env.ts";
import { recordsBetween } from "../lib/history/read.ts";
import type { RunRecord } from "../lib/history/records.ts";
import { readMonth } from "../lib/history/month.ts";
import { HistoryStoreError, type HistoryStore } from "../lib/history/store.ts";
import { parseCommand, UsageError } from "./usage.ts";
import { renderHistory, renderSavings, savingsCsv, type Grouping } from "./history-view.ts";

const DAY = 86_400_000;

function storeOf(env: Env): HistoryStore {
  const store = historyStoreFromEnv(env, { local: true });
  if (!store)
    throw new UsageError(
      "no history store: set HISTORY_BUCKET (cos://NAME or s3://NAME), or REPORT_DIR, XDG_STATE_HOME or HOME for the local directory",
    );
  return store;
}

function format(flag: string | undefined, allowed: readonly string[]): string {
  if (flag === undefined) return process.stdout.isTTY ? "table" : "json";
  if (!allowed.includes(flag)) throw new UsageError(`--output must be one of ${allowed.join(", ")}, got "${flag}"`);
  return flag;
}

/** `--since`: a UTC day or an instant with its zone. */
function since(value: string | undefined, now: number): number {
  if (value === undefined) return now - 7 * DAY;
  const t = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? Date.parse(`${value}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (!Number.isFinite(t))
    throw new UsageError(
      `--since needs a day (2026-11-01) or an instant with its zone (2026-11-01T09:00+08:00); got "${value}"`,
    );
  return t;
}

/** `--by`: one of the groups, or tag:KEY. */
function grouping(value: string | undefined): Grouping {
  const by = value ?? "function";
  if (by.startsWith("tag:") && by.length > 4) return { kind: "tag", key: by.slice(4) };
  const kinds = ["owner", "project", "function", "account", "region", "day"] as const;
  const k = kinds.find((x) => x === by);
  if (!k) throw new UsageError(`--by must be one of ${kinds.join(", ")} or tag:KEY (e.g. tag:team); got "${by}"`);
  return { kind: k };
}

/** Only the instance's lines, in the runs that touched it. */
function narrowTo(records: RunRecord[], id: string): RunRecord[] {
  return records
    .map((r) => ({
      ...r,
      actions: r.actions.filter((a) => a.id === id),
      events: r.events.filter((e) => e.id === id),
      open: r.open.filter((o) => o.id === id),
    }))
    .filter((r) => r.actions.length || r.events.length);
}

export async function historyCommand(
  command: "history" | "savings",
  args: string[],
  env: Env,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  try {
    return await show(command, args, env, out);
  } catch (e) {
    // A store that cannot be read is one line naming it and the code, not a stack trace.
    if (!(e instanceof HistoryStoreError)) throw e;
    err(`cvm-autopilot ${command}: ${e.message}${e.requestId ? ` (RequestId ${e.requestId})` : ""}`);
    return 1;
  }
}

async function show(
  command: "history" | "savings",
  args: string[],
  env: Env,
  out: (s: string) => void,
): Promise<number> {
  const now = Date.now();
  if (command === "history") {
    const { values } = parseCommand("history", args);
    const from = since(values.since, now);
    const output = format(values.output, ["table", "json"]);
    let records = (await recordsBetween(storeOf(env), from, now + DAY)).filter(
      (r) => !values.function || r.function === values.function,
    );
    if (values.instance) records = narrowTo(records, values.instance);
    out(output === "json" ? JSON.stringify(records, null, 2) : renderHistory(records));
    return 0;
  }
  const { values } = parseCommand("savings", args);
  const month = values.month ?? new Date(now).toISOString().slice(0, 7);
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
    throw new UsageError(`--month needs YYYY-MM, e.g. 2026-11; got "${month}"`);
  const by = grouping(values.by);
  const output = format(values.output, ["table", "json", "csv"]);
  // The one reading of a month that the dashboard and the monthly digest share (lib/history/month.ts).
  const { report } = await readMonth(storeOf(env), month, by.kind === "tag" ? by.key : undefined);
  out(
    output === "json"
      ? JSON.stringify(report, null, 2)
      : output === "csv"
        ? savingsCsv(report, by)
        : renderSavings(report, by),
  );
  return 0;
}
