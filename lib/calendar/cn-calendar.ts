/**
 * China's calendar: public holidays and make-up workdays (调休) from chinese-days where its data
 * covers the year, and China's statutory days off computed by rule where it does not. The State
 * Council publishes each year's arrangement (which weekends become workdays, which days are added
 * in lieu) around November of the year before, so a package release always trails the calendar.
 * Past the data we follow the statutory days alone and treat every other day as ordinary: a
 * make-up Saturday is then an ordinary Saturday until `exceptions` or a newer package says so.
 *
 * The statutory days off of 《全国年节及纪念日放假办法》 as the State Council revised it in November
 * 2024, in force from 2025: 元旦 Jan 1; 春节 农历除夕 and 正月初一 to 初三; 清明 (the solar-term
 * day); 劳动节 May 1–2; 端午 五月初五; 中秋 八月十五; 国庆 Oct 1–3. chinese-days converts lunar
 * dates and gives solar terms, so the rule needs no second library (date-holidays' CN rules still
 * follow the older law: a three-day Spring Festival and a one-day Labour Day).
 */
import chineseDays from "chinese-days";
import { addDays, type Weekday } from "./days.ts";

export interface CnDay {
  kind: "holiday" | "makeup" | "ordinary";
  /** The holiday's name, for a holiday. */
  name?: string;
  /** True when the year is past the package's data and the day was judged by the statutory rule. */
  byRule: boolean;
}

const covered = new Map<number, boolean>();

/**
 * Whether chinese-days has the arrangement for a year. Every year's data names New Year's Day
 * (its `name` is "New Year's Day,元旦,1"); for a year it lacks, Jan 1 comes back as a plain
 * weekday name, without the comma-separated holiday fields.
 */
export function cnDataCovers(year: number): boolean {
  let known = covered.get(year);
  if (known === undefined) covered.set(year, (known = chineseDays.getDayDetail(`${year}-01-01`).name.includes(",")));
  return known;
}

const statutory = new Map<number, Map<string, string>>();

/** China's statutory days off in a (Gregorian) year, by the rule in force since 2025: date -> name. */
export function statutoryDaysOff(year: number): Map<string, string> {
  let days = statutory.get(year);
  if (days) return days;
  days = new Map<string, string>();
  const lunar = (md: string) => chineseDays.getSolarDateFromLunar(`${year}-${md}`).date;
  days.set(`${year}-01-01`, "元旦 New Year's Day");
  // 除夕 is the last day of the twelfth lunar month (the 29th or the 30th): the day before 正月初一.
  const newYear = lunar("01-01");
  for (let k = -1; k <= 2; k++) days.set(addDays(newYear, k), "春节 Spring Festival");
  days.set(chineseDays.getSolarTermDate(year, 4, "pure_brightness"), "清明 Qingming");
  days.set(`${year}-05-01`, "劳动节 Labour Day");
  days.set(`${year}-05-02`, "劳动节 Labour Day");
  days.set(lunar("05-05"), "端午 Dragon Boat Festival");
  days.set(lunar("08-15"), "中秋 Mid-Autumn Festival");
  for (const d of ["10-01", "10-02", "10-03"]) days.set(`${year}-${d}`, "国庆 National Day");
  statutory.set(year, days);
  return days;
}

/** What kind of day a local date is in China: a public holiday, a make-up workday, or an ordinary day. */
export function cnDay(date: string, weekday: Weekday): CnDay {
  const year = Number(date.slice(0, 4));
  if (!cnDataCovers(year)) {
    const name = statutoryDaysOff(year).get(date);
    return name ? { kind: "holiday", name, byRule: true } : { kind: "ordinary", byRule: true };
  }
  const d = chineseDays.getDayDetail(date);
  const weekend = weekday === "sat" || weekday === "sun";
  // A named day off is a public holiday (a weekend inside a holiday's span included); a plain
  // weekend comes back as a day off named by its weekday, and is an ordinary day to us.
  if (!d.work && d.name.includes(",")) return { kind: "holiday", name: d.name.split(",")[1] ?? d.name, byRule: false };
  if (d.work && weekend) return { kind: "makeup", byRule: false };
  return { kind: "ordinary", byRule: false };
}

/**
 * What to tell people when a run's dates reach past the calendar's data: from December 1 of the
 * year before (when the arrangement is due), and for as long as the data lacks the year. Short,
 * to fit a chat message's line; `advice` says what to do about it, for the log.
 */
export function cnDataNotice(now: Date): { notice: string; advice: string } | undefined {
  const t = new Date(now.getTime() + 8 * 3600_000); // Beijing time: the arrangement is China's
  const year = t.getUTCFullYear();
  const missing = !cnDataCovers(year) ? year : t.getUTCMonth() === 11 && !cnDataCovers(year + 1) ? year + 1 : undefined;
  if (missing === undefined) return undefined;
  const from = missing === year ? "" : ` from ${missing}-01-01`;
  return {
    notice: `China's ${missing} holiday arrangement is not in the calendar data yet: following statutory holidays only${from}; add make-up days with \`exceptions\``,
    advice: `chinese-days ${PACKAGE_DATA_END}; ${missing}'s make-up workdays (调休) count as ordinary weekend days and days added in lieu as workdays until listed in OFFICE_HOURS_SCHEDULES "exceptions" (e.g. {"${missing}-02-20": "workday"}), or until cvm-autopilot is updated with a chinese-days release that has ${missing}`,
  };
}

/** The last year the installed chinese-days knows, for the advice. */
const PACKAGE_DATA_END = (() => {
  let y = 2100;
  while (y > 2004 && !cnDataCovers(y)) y--;
  return `has data to ${y}`;
})();
