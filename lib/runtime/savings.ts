/**
 * The pieces every savings estimate shares (auto-stop, office-hours): which writes count (done,
 * or planned in a dry run), and the machines no price was found for — counted and named by type,
 * never taken as free.
 */
import { keyOf, type Decision, type Outcome } from "./spec.ts";

/** The decisions with this action that were carried out, or would be in a dry run. */
export function carriedOut<D extends Decision>(acting: readonly D[], outcomes: Map<string, Outcome>, dryRun: boolean, action: string): D[] {
  return acting.filter((d) => d.action === action && (dryRun || outcomes.get(keyOf(d))?.status === "done"));
}

/** `unpriced` (how many) and `unpricedTypes` (which types, when any) for the report's extras. */
export function unpricedSummary(types: readonly string[]): { unpriced: number; unpricedTypes?: string[] } {
  return { unpriced: types.length, ...(types.length ? { unpricedTypes: [...new Set(types)].sort() } : {}) };
}

export const cents = (n: number) => Math.round(n * 100) / 100;
