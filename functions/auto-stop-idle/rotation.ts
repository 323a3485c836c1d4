/**
 * Which candidates a run under the metric budget checks. The budget lets `budget` machines of a
 * region's `n` be checked each run, so a rotation that hands out disjoint turns covers all of
 * them in ⌈n ÷ budget⌉ consecutive runs; a new random order each run (what came before) left
 * machines unchecked for hours, since turns overlap and some come up only by luck.
 *
 * There is no stored state: the order is fixed by a stable hash of each instance id (the same in
 * every run, process and platform), and the run's number — its slot of the schedule, counted
 * from the epoch — picks whose turn it is: turn `run mod ⌈n ÷ budget⌉`, the `budget` machines
 * from position turn × budget on, wrapping round. Consecutive runs take consecutive turns, so
 * ⌈n ÷ budget⌉ of them cover every position. A hash, not the listing's order, keeps a machine's
 * place when others come and go: one appearing or disappearing moves the machines after it by one
 * position, so at each later boundary between turns one machine changes turn, and one that moves
 * into a turn already taken this round waits one round more; a change of ⌈n ÷ budget⌉ itself
 * starts the next round at another turn. Nothing stored means nothing to lose or to go stale.
 */

/** FNV-1a, 32 bits: cheap, stable, and spreads ids that differ in one character. */
function place(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The candidates run number `run` checks (at most `budget`), and the rest, deferred to a later run. */
export function takeTurn<T>(
  candidates: readonly T[],
  idOf: (c: T) => string,
  budget: number,
  run: number,
): { admitted: T[]; deferred: T[] } {
  if (candidates.length <= budget) return { admitted: [...candidates], deferred: [] };
  // Ties in the hash are ordered by id, so the order never depends on the listing's.
  const keyed = candidates.map((c) => ({ c, id: idOf(c), at: place(idOf(c)) }));
  keyed.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const n = keyed.length;
  const turns = Math.ceil(n / budget);
  const start = (((run % turns) + turns) % turns) * budget;
  const admitted: T[] = [];
  const deferred: T[] = [];
  for (let i = 0; i < n; i++) ((i - start + n) % n < budget ? admitted : deferred).push(keyed[i]!.c);
  return { admitted, deferred };
}
