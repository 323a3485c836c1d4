/**
 * The dashboard's "next office-hours actions": each schedule's next starts and stops (and the
 * days its calendar keeps off), from OFFICE_HOURS_SCHEDULES alone — no machine is read, so the
 * page costs no API call. Soonest first.
 */
import type { Upcoming } from "../../lib/runtime/spec.ts";
import { loadCountryCalendars } from "./calendar.ts";
import type { OfficeHoursConfig } from "./config.ts";
import { nextChanges } from "./next-changes.ts";

export async function upcomingActions(config: OfficeHoursConfig, now: Date, count: number): Promise<Upcoming[]> {
  const all = [...config.schedules.values()];
  // A schedule whose calendar does not load (an unknown country) is left out: its runs report it.
  const unknown = new Set(await loadCountryCalendars(all.map((s) => s.calendar)));
  return all
    .filter((s) => !unknown.has(s.calendar))
    .flatMap((s) =>
      nextChanges(s, now, count).map((c) => ({
        at: c.at.getTime(),
        action: c.action,
        schedule: s.name,
        zone: s.timezone,
        dayKind: c.dayKind,
      })),
    )
    .sort((a, b) => a.at - b.at || a.schedule.localeCompare(b.schedule))
    .slice(0, count);
}
