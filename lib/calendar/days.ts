/** Days as office hours counts them: the weekdays by name, and calendar dates (YYYY-MM-DD). */

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A calendar date (YYYY-MM-DD) n days on (or back), counted in UTC, where every day has 24 hours. */
export const addDays = (date: string, n: number) => {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
