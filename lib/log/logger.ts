/**
 * Structured JSON logger: one line per event, secrets redacted. Module-scope instance with
 * per-invocation keys (after Powertools' appendKeys / resetKeys).
 */
import { redact } from "./redact.ts";

export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Sink = (line: string) => void;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  appendKeys(keys: Record<string, unknown>): void;
  resetKeys(): void;
  child(keys: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: Level;
  sink?: Sink;
  /** json (the default): one JSON object a line; human: a short line a person reads at a terminal. */
  format?: "json" | "human";
  keys?: Record<string, unknown>;
  now?: () => Date;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? (process.env.LOG_LEVEL as Level | undefined) ?? "info";
  const sink = opts.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = opts.now ?? (() => new Date());
  const base = { ...(opts.keys ?? {}) };
  let appended: Record<string, unknown> = {};

  const emit = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < (ORDER[level] ?? 20)) return;
    const record = redact({
      time: now().toISOString(),
      level: lvl,
      msg,
      ...base,
      ...appended,
      ...(fields ?? {}),
    }) as Record<string, unknown>;
    sink(opts.format === "human" ? humanLine(record) : JSON.stringify(record));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    appendKeys: (k) => {
      appended = { ...appended, ...k };
    },
    resetKeys: () => {
      appended = {};
    },
    child: (k) =>
      createLogger({
        level,
        sink,
        now,
        keys: { ...base, ...appended, ...k },
        ...(opts.format ? { format: opts.format } : {}),
      }),
  };
}

/** The fields a person acts on, in this order; the rest are in the JSON form (LOG_FORMAT=json). */
const HUMAN_KEYS = ["account", "action", "region", "id", "code", "problem", "advice"] as const;

/** `warn  api call failed: GetMonitorData ap-guangzhou InvalidParameterValue (RequestId 76cd…)`: level, message, what to act on. */
function humanLine(r: Record<string, unknown>): string {
  const said = HUMAN_KEYS.map((k) => r[k])
    .filter((v): v is string | number => typeof v === "string" || typeof v === "number")
    .map(String);
  const err = r.err as { code?: unknown; message?: unknown } | undefined;
  if (err && typeof err.message === "string")
    said.push(`${typeof err.code === "string" ? `${err.code}: ` : ""}${err.message}`);
  const rid = typeof r.requestId === "string" ? ` (RequestId ${r.requestId})` : "";
  return `${String(r.level).padEnd(5)} ${String(r.msg)}${said.length ? `: ${said.join(" ")}` : ""}${rid}`;
}

/**
 * The log format for a CLI command: LOG_FORMAT when set (parsed by its declaration, which lives
 * above this layer: cli/log-format.ts), else human lines on a terminal and JSON when piped.
 */
export function cliLogFormat(declared: "json" | "human" | undefined, stream: { isTTY?: boolean }): "json" | "human" {
  return declared ?? (stream.isTTY === true ? "human" : "json");
}

/** A logger that keeps its lines in memory, for tests and for reports that quote the log. */
export function memoryLogger(
  level: Level = "debug",
): Logger & { lines: string[]; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, sink: (l) => lines.push(l) });
  return Object.assign(logger, { lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) });
}
