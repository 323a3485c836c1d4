/** Parsers for the per-function settings: tag lists, time windows, time zones. */
import { csv, field } from "./fields.ts";

export interface TagMatch {
  key: string;
  value: string;
}

/** `k=v` (the value may contain `=`); the key may carry the `autopilot:` prefix. */
export function parseTag(s: string): TagMatch | undefined {
  const i = s.indexOf("=");
  if (i <= 0) return undefined;
  return { key: s.slice(0, i).trim(), value: s.slice(i + 1).trim() };
}

/** A comma list of `key=value` tags. */
export const tagList = () =>
  field((v, fail) => {
    const out: TagMatch[] = [];
    for (const item of csv(v)) {
      const t = parseTag(item);
      if (!t) fail(`"${item}" is not key=value (e.g. env=dev)`);
      else out.push(t);
    }
    return out;
  });

/** One `key=value` tag, with a default. */
export const tag = (dflt: string) =>
  field((v, fail) => {
    const t = parseTag(v ?? dflt);
    if (!t) fail(`"${v}" is not key=value (e.g. ${dflt})`);
    return t ?? parseTag(dflt)!;
  });

export interface TimeWindow {
  startMin: number;
  endMin: number;
}

/** `HH:MM-HH:MM`; a window may wrap past midnight (20:00-07:00). */
export function parseWindow(s: string): TimeWindow | undefined {
  const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) return undefined;
  const [h1, m1, h2, m2] = m.slice(1).map(Number) as [number, number, number, number];
  // 24:00 is the end of a day; 24:30 and 25:00 are no time of day.
  const bad = (h: number, m: number) => h > 24 || m > 59 || (h === 24 && m > 0);
  if (bad(h1, m1) || bad(h2, m2)) return undefined;
  return { startMin: h1 * 60 + m1, endMin: h2 * 60 + m2 };
}

export const windows = () =>
  field((v, fail) => {
    const out: TimeWindow[] = [];
    for (const item of csv(v)) {
      const w = parseWindow(item);
      if (!w) fail(`"${item}" is not a time window HH:MM-HH:MM (e.g. 20:00-07:00)`);
      else out.push(w);
    }
    return out;
  });

export function isTimeZone(tz: string): boolean {
  // The default needs no check, and building the first formatter loads ICU's zone data (~15 ms
  // of a cold start) that a run on UTC never uses.
  if (tz === "UTC") return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const timeZone = () =>
  field((v, fail) => {
    const tz = v ?? "UTC";
    if (!isTimeZone(tz)) fail(`expected an IANA time zone such as Asia/Shanghai or UTC, got "${tz}"`);
    return tz;
  });

// Building a formatter is costly and screening asks once per instance: one per time zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight of `now` in a time zone. */
export function minutesInZone(now: Date, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f)
    formatters.set(
      timeZone,
      (f = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })),
    );
  const parts = f.formatToParts(now);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get("hour") * 60 + get("minute");
}

export function inWindow(minutes: number, w: TimeWindow): boolean {
  return w.startMin <= w.endMin
    ? minutes >= w.startMin && minutes < w.endMin
    : minutes >= w.startMin || minutes < w.endMin;
}

/** `InstanceType=hourlyPrice,…`, for estimated savings (e.g. S5.MEDIUM4=0.32). */
export const prices = () =>
  field((v, fail) => {
    const out = new Map<string, number>();
    for (const item of csv(v)) {
      const [type, price] = item.split("=");
      const n = Number(price);
      if (!type || price === undefined || !Number.isFinite(n) || n < 0)
        fail(`"${item}" is not InstanceType=hourlyPrice (e.g. S5.MEDIUM4=0.32)`);
      else out.set(type.trim(), n);
    }
    return out;
  });
