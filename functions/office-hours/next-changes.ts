/**
 * What comes next for a schedule (`cvm-autopilot schedule`): its next starts and stops, each with
 * the kind of day that decides it, and the days a start is skipped because the calendar says the
 * day is off. Pure: the schedule, an instant, a count.
 */
import { dayKind, isRunning, lastChange, localTime, type DayKind, type Schedule } from "../../lib/calendar/calendar.ts";
import { WEEKDAYS } from "../../lib/calendar/days.ts";

export interface Change {
  at: Date;
  /** `skip`: a day whose weekday has hours, kept off by the calendar (a holiday, a day off by exception). */
  action: "start" | "stop" | "skip";
  /** The local date whose hours these are. */
  date: string;
  /** `working day`, `holiday`, `make-up workday`, `day off (exception)`, `workday (exception)`. */
  dayKind: string;
  why: string;
}

/** People's words for a day kind. */
export function dayKindWords(k: DayKind): string {
  const exception = k.why.includes("by exception");
  if (k.kind === "off") return exception ? "day off (exception)" : "holiday";
  if (k.kind === "workday") return exception ? "workday (exception)" : "make-up workday";
  return "working day";
}

const MINUTE = 60_000;
/** How far ahead to look: past a month without a change, the schedule never runs (or always does). */
const HORIZON_MINUTES = 62 * 24 * 60;

/** The next `count` starts and stops after `from` (skipped days beside them), minute by minute. */
export function nextChanges(s: Schedule, from: Date, count: number): Change[] {
  const out: Change[] = [];
  const t0 = Math.ceil(from.getTime() / MINUTE) * MINUTE;
  let running = isRunning(s, new Date(t0));
  // The day whose hours are running now: the day the current period began.
  let periodDate = localTime(
    running ? (lastChange(s, new Date(t0), 31 * 24 * 60) ?? new Date(t0)) : new Date(t0),
    s.timezone,
  ).date;
  let lastDate = localTime(new Date(t0), s.timezone).date;
  for (let k = 1; k <= HORIZON_MINUTES && out.filter((c) => c.action !== "skip").length < count; k++) {
    const at = new Date(t0 + k * MINUTE);
    const local = localTime(at, s.timezone);
    if (local.date !== lastDate) {
      lastDate = local.date;
      const skipped = skippedDay(s, local.date, local.weekday);
      if (skipped) out.push({ at, action: "skip", date: local.date, ...skipped });
    }
    const now = isRunning(s, at);
    if (now === running) continue;
    running = now;
    if (now) periodDate = local.date;
    const day = dayKind(s, periodDate, WEEKDAYS[new Date(`${periodDate}T12:00:00Z`).getUTCDay()]!);
    out.push({ at, action: now ? "start" : "stop", date: periodDate, dayKind: dayKindWords(day), why: day.why });
  }
  return out;
}

/** A date the calendar keeps off although its weekday has hours. */
function skippedDay(s: Schedule, date: string, weekday: (typeof WEEKDAYS)[number]) {
  const k = dayKind(s, date, weekday);
  if (k.kind !== "off" || !s.periods.some((p) => p.days.includes(weekday))) return undefined;
  return { dayKind: dayKindWords(k), why: k.why };
}
