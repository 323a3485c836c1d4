/**
 * auto-stop's blast-radius guard over every decision of the run: past it, nothing is stopped.
 * Its denominator is the in-scope fleet only; counting machines the scope rules leave out would
 * let a narrow scope be stopped whole.
 */
import { blastRadius } from "../../lib/runtime/guard.ts";
import type { DecisionSummary, Guard } from "../../lib/runtime/spec.ts";
import type { AutoStopPolicy } from "./config.ts";
import { type DecisionKind, OUT_OF_SCOPE } from "./plan.ts";

export function guard(summary: DecisionSummary<DecisionKind>, policy: AutoStopPolicy): Guard {
  return blastRadius(summary, OUT_OF_SCOPE, {
    maxFraction: policy.maxFraction,
    maxCount: policy.maxCount,
    override: policy.overrideGuard,
  });
}
