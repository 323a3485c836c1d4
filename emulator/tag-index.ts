/**
 * Which instances of a region carry which tags, so a listing filtered by tag does not read every
 * instance's tags on every page (such a page cost 2–5 ms at 10,000 instances a region,
 * against a 2 ms goal). An index is rebuilt when the state has added an instance or written a
 * tag since (both bump its tagVersion); the listing still walks the region's own list, so
 * order, removals and every other filter stay exactly as before.
 */
import type { EmulatorState, EmuInstance } from "./state.ts";

type ByTag = Map<string, Map<string, Set<EmuInstance>>>;

interface RegionIndex {
  version: number;
  byTag: ByTag;
  /** Answers already given, by filter: a listing asks the same one for every page. */
  answers: Map<string, Set<EmuInstance>>;
}

const indexes = new WeakMap<EmulatorState, Map<string, RegionIndex>>();

function indexOf(state: EmulatorState, region: string): RegionIndex {
  const perRegion = indexes.get(state) ?? new Map<string, RegionIndex>();
  indexes.set(state, perRegion);
  const have = perRegion.get(region);
  if (have && have.version === state.tagVersion) return have;
  const byTag: ByTag = new Map();
  for (const inst of state.instancesIn(region)) {
    // Either spelling: seed examples write tagKey/tagValue.
    for (const t of (inst.Tags ?? []) as Array<{ Key?: string; Value?: string; tagKey?: string; tagValue?: string }>) {
      const key = t.Key ?? t.tagKey;
      if (key === undefined) continue;
      const value = t.Value ?? t.tagValue ?? "";
      const values = byTag.get(key) ?? new Map<string, Set<EmuInstance>>();
      byTag.set(key, values);
      const set = values.get(value) ?? new Set<EmuInstance>();
      values.set(value, set);
      set.add(inst);
    }
  }
  const index = { version: state.tagVersion, byTag, answers: new Map<string, Set<EmuInstance>>() };
  perRegion.set(region, index);
  return index;
}

/** The instances of a region with a tag whose key is in `keys` (any when undefined) and value in `values` (any when undefined). */
export function tagged(
  state: EmulatorState,
  region: string,
  keys: ReadonlySet<string> | undefined,
  values: ReadonlySet<string> | undefined,
): Set<EmuInstance> {
  const index = indexOf(state, region);
  const asked = JSON.stringify([keys && [...keys].sort(), values && [...values].sort()]);
  const known = index.answers.get(asked);
  if (known) return known;
  const out = new Set<EmuInstance>();
  for (const [key, byValue] of index.byTag) {
    if (keys && !keys.has(key)) continue;
    for (const [value, set] of byValue) if (!values || values.has(value)) for (const inst of set) out.add(inst);
  }
  index.answers.set(asked, out);
  return out;
}
