/**
 * A filtered listing, kept between the pages of one walk: a caller pages the same filter with
 * growing offsets, and each page would otherwise test every instance of the region again (10,000
 * at the bench's largest fleet). The kept rows are used only when nothing they depend on has
 * changed: the region's list holds the same instances in the same order, every value a filter
 * reads is still the same (===) on each of them, and the tag index is the same one (a tag filter
 * reads it, and it is rebuilt whenever state.tagVersion moves). Checking that is a few
 * comparisons per instance, against a set lookup per filter per instance to filter again; any
 * difference filters again. A filter that reads more than one value (private-ip-address, a list)
 * is not kept.
 */
import type { EmulatorState, EmuInstance } from "./state.ts";

export type Predicate = (inst: EmuInstance) => boolean;

/** A compiled filter: its test and what the test depends on. */
export interface CompiledFilter {
  test: Predicate;
  /** The one value `test` reads from an instance, when that is all it reads. */
  read?: ((i: EmuInstance) => unknown) | undefined;
  /** `test` reads only the state's tag index, and the instance's identity. */
  tagIndex?: boolean | undefined;
}

interface Kept {
  key: string;
  tagVersion: number;
  /** For each instance of the list in order: the instance, then the value each `read` gave. */
  seen: unknown[];
  rows: EmuInstance[];
}

/** Walks kept per state and region: a few, for callers paging different filters at once. */
const KEPT_PER_REGION = 4;
const kept = new WeakMap<EmulatorState, Map<string, Kept[]>>();

function filter(list: readonly EmuInstance[], filters: readonly CompiledFilter[]): EmuInstance[] {
  const out: EmuInstance[] = [];
  next: for (const i of list) {
    for (const f of filters) if (!f.test(i)) continue next;
    out.push(i);
  }
  return out;
}

function unchanged(k: Kept, list: readonly EmuInstance[], reads: ReadonlyArray<(i: EmuInstance) => unknown>): boolean {
  const width = 1 + reads.length;
  const seen = k.seen;
  if (seen.length !== list.length * width) return false;
  // The usual one or two reads (charge type and state) unrolled: this loop runs for every instance of the region.
  const [r0, r1] = reads;
  for (let n = 0, p = 0; n < list.length; n++, p += width) {
    const i = list[n]!;
    if (seen[p] !== i) return false;
    if (r0 && seen[p + 1] !== r0(i)) return false;
    if (r1 && seen[p + 2] !== r1(i)) return false;
    for (let r = 2; r < reads.length; r++) if (seen[p + 1 + r] !== reads[r]!(i)) return false;
  }
  return true;
}

/** The instances of `list` (a region's, in order) every filter passes; `key` names the filters asked. */
export function filtered(
  state: EmulatorState,
  region: string,
  list: readonly EmuInstance[],
  key: string,
  filters: readonly CompiledFilter[],
): EmuInstance[] {
  if (!filters.every((f) => f.read || f.tagIndex)) return filter(list, filters);
  const reads = filters.flatMap((f) => (f.read ? [f.read] : []));
  const perRegion = kept.get(state) ?? new Map<string, Kept[]>();
  kept.set(state, perRegion);
  const walks = perRegion.get(region) ?? [];
  perRegion.set(region, walks);
  const at = walks.findIndex((k) => k.key === key);
  const have = at >= 0 ? walks.splice(at, 1)[0]! : undefined;
  if (have && have.tagVersion === state.tagVersion && readsAll(() => unchanged(have, list, reads))) {
    walks.unshift(have);
    return have.rows;
  }
  const rows = filter(list, filters);
  const seen: unknown[] = [];
  // A read that throws (a field missing where the tests short-circuit past it) leaves this walk unkept.
  const recorded = readsAll(() => {
    for (const i of list) {
      seen.push(i);
      for (const r of reads) seen.push(r(i));
    }
    return true;
  });
  if (!recorded) return rows;
  walks.unshift({ key, tagVersion: state.tagVersion, seen, rows });
  walks.length = Math.min(walks.length, KEPT_PER_REGION);
  return rows;
}

/** False where a read threw: filtering as asked (each test short-circuited as before) is then the answer. */
function readsAll(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
