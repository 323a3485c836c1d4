/**
 * The pieces every savings estimate shares (auto-stop, office-hours): which writes count (done,
 * or planned in a dry run), and the machines no price was found for — counted and named by type,
 * never taken as free.
 */
import { keyOf, type Decision, type Outcome } from "./decision.ts";

/** The decisions with this action that were carried out, or would be in a dry run. */
export function carriedOut<D extends Decision>(
  acting: readonly D[],
  outcomes: Map<string, Outcome>,
  dryRun: boolean,
  action: string,
): D[] {
  return acting.filter((d) => d.action === action && (dryRun || outcomes.get(keyOf(d))?.status === "done"));
}

/** `unpriced` (how many) and `unpricedTypes` (which types, when any) for the report's extras. */
export function unpricedSummary(types: readonly string[]): { unpriced: number; unpricedTypes?: string[] } {
  return { unpriced: types.length, ...(types.length ? { unpricedTypes: [...new Set(types)].sort() } : {}) };
}

export const cents = (n: number) => Math.round(n * 100) / 100;

/** A month as Tencent Cloud's monthly prices count it: 30 days. */
export const HOURS_PER_MONTH = 30 * 24;

/**
 * A run's estimated savings as its report's extras say them: the rate an hour, the same over a
 * month, and what had no price (counted and named by type, never taken as free).
 */
export function estimatedSavings(currency: string, hourly: number, unpricedTypes: readonly string[]) {
  return {
    currency,
    estimatedHourlySavings: cents(hourly),
    estimatedMonthlySavings: cents(hourly * HOURS_PER_MONTH),
    ...unpricedSummary(unpricedTypes),
  };
}

/** The savings keys a report's extras may carry; readers show them in words, and the rest as they are. */
export const SAVINGS_KEYS = [
  "currency",
  "estimatedHourlySavings",
  "estimatedMonthlySavings",
  "unpriced",
  "unpricedTypes",
] as const;

/** Savings in words a person reads (per hour, per month at this rate, what had no price), or "" when the report has none. */
export function savingsLine(extras: Record<string, unknown>): string {
  const {
    currency,
    estimatedHourlySavings: hourly,
    estimatedMonthlySavings: monthly,
    unpriced,
    unpricedTypes,
  } = extras;
  if (typeof hourly !== "number") return "";
  const cur = typeof currency === "string" ? ` ${currency}` : "";
  const types = Array.isArray(unpricedTypes) && unpricedTypes.length ? ` (${unpricedTypes.join(", ")})` : "";
  return `estimated savings: ${hourly}${cur}/hour, ${String(monthly)}${cur}/month at this rate${unpriced ? `; unpriced: ${String(unpriced)}${types}` : ""}`;
}

/** A report field's name as words: `estimatedSaving` -> "estimated saving". */
const words = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();

/**
 * A report's extras as phrases a person reads: the savings sentence where there is one, every
 * other field by its name in words and its value (a list joined), never a camelCase name.
 */
export function extrasPhrases(extras: Record<string, unknown>, labels: Record<string, string> = {}): string[] {
  const money = savingsLine(extras);
  const out = money ? [money] : [];
  for (const [k, v] of Object.entries(extras)) {
    if (money && (SAVINGS_KEYS as readonly string[]).includes(k)) continue;
    const value = Array.isArray(v) ? v.join(", ") : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
    out.push(`${labels[k] ?? words(k)}: ${value}`);
  }
  return out;
}
