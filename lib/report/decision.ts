/**
 * The words every report speaks about one resource: a decision, what became of its write, the
 * columns a function shows beside it, and the guard's verdict over a run. Below the runner, the
 * notifications and the history, which all read them.
 */

/**
 * One decision about one resource. `kind` is from the function's closed list and is what
 * statistics, guards and messages read; `reason` is prose for people and is never parsed back.
 * A decision with an `action` asks for a write; one without is kept as it is.
 */
export interface Decision<K extends string = string, D extends Record<string, unknown> = Record<string, unknown>> {
  id: string;
  region: string;
  kind: K;
  action?: string | undefined;
  reason: string;
  /** For people: the resource's name, type, zone — whatever the report table shows. */
  name?: string | undefined;
  /** What the function's own steps and columns read: typed per function (FunctionSpec's D). */
  detail?: D | undefined;
  /**
   * For a write on something other than an instance (key-rotation's new key pair): the instances
   * it is made for. A trigger that names instances admits it only when it serves one of them.
   */
  serves?: readonly string[] | undefined;
}

/**
 * A decision written out, its fields always in this order; `action` and `detail` only when given.
 * Not `{ ...base, kind }`: in Node 20's V8 an object made by a spread and then extended gets a
 * hidden class of its own once the code is optimized (%HaveSameMap: none of 1,000 share one; 2–4 µs
 * and ~200 bytes each), and a run holds a decision for every machine until the guard has run.
 */
export function decisionOf<K extends string, D extends Record<string, unknown>>(
  id: string,
  region: string,
  name: string | undefined,
  kind: K,
  reason: string,
  action?: string,
  detail?: D,
): Decision<K, D> {
  // Whole literals, not fields added after one: an added field is stored outside the object (a
  // property array: rightsize's decisions 113 → 144 bytes, %DebugPrint on Node 20).
  if (action !== undefined) return { id, region, name, kind, reason, action, detail };
  if (detail !== undefined) return { id, region, name, kind, reason, detail };
  return { id, region, name, kind, reason };
}

/**
 * What became of a decision that asked for a write — the same words in every report:
 * `planned` (dry run), `done`, `changed-under-us` (the resource moved before we acted; nothing
 * done, not an error), `failed` (with the API's code and RequestId), `skipped-by-guard`, and
 * `finding`: a read-only function's decision with an action, for a person to act on — its
 * answer, never written by it and never an error.
 */
export type OutcomeStatus = "planned" | "done" | "changed-under-us" | "failed" | "skipped-by-guard" | "finding";
export type Outcome =
  | {
      status: "done";
      requestId?: string | undefined;
      detail?: Record<string, unknown>;
      /** A write that goes with the action (office-hours' state tag) failed: the action stands, the run reports an error. */
      followUp?: { action: string; code: string; message: string; requestId?: string | undefined } | undefined;
    }
  | { status: "changed-under-us"; code: string; requestId?: string | undefined }
  | { status: "failed"; code: string; message: string; requestId?: string | undefined };

/** One column of a function's table, beside name, id, region, action, outcome and reason: the view knows no function by name. */
export interface Column<K extends string = string, D extends Record<string, unknown> = Record<string, unknown>> {
  head: string;
  /** The cell for one decision that asks for a write; "" when it has no value. */
  cell(d: Decision<K, D>): string;
  /** What a row with no value shows when other rows have one (auto-stop's "unpriced"). */
  missing?: string;
  /** What the function's table is about (renew-flag's from → to): never left out for width. */
  keep?: boolean;
}

/** The blast-radius guard's verdict over a run. */
export interface Guard {
  tripped: boolean;
  /** The denominator: resources in scope after every scope rule. */
  inScope: number;
  wouldAct: number;
  limit: number;
  /** How to proceed, for people: the settings that set the limit (FunctionSpec.guardHelp). */
  help?: string | undefined;
}

/** A decision's key: one resource in one region. */
export const keyOf = (d: { region: string; id: string }) => `${d.region}/${d.id}`;
