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
  keys?: Record<string, unknown>;
  now?: () => Date;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? ((process.env.LOG_LEVEL as Level | undefined) ?? "info");
  const sink = opts.sink ?? ((line: string) => process.stdout.write(line + "\n"));
  const now = opts.now ?? (() => new Date());
  const base = { ...(opts.keys ?? {}) };
  let appended: Record<string, unknown> = {};

  const emit = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < (ORDER[level] ?? 20)) return;
    const record = redact({ time: now().toISOString(), level: lvl, msg, ...base, ...appended, ...(fields ?? {}) });
    sink(JSON.stringify(record));
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
    child: (k) => createLogger({ level, sink, now, keys: { ...base, ...appended, ...k } }),
  };
}

/** A logger that keeps its lines in memory, for tests and for reports that quote the log. */
export function memoryLogger(level: Level = "debug"): Logger & { lines: string[]; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, sink: (l) => lines.push(l) });
  return Object.assign(logger, { lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) });
}
