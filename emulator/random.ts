/** A small seeded PRNG (mulberry32) so fleets and fault injection repeat exactly for a seed. */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
/** Resource ids shaped like Tencent's: prefix + 8 lower-case alphanumerics (`ins-r8hr2upy`). */
export function resourceId(prefix: string, random: Random): string {
  let s = "";
  for (let i = 0; i < 8; i++) s += ALNUM[Math.floor(random() * ALNUM.length)];
  return `${prefix}-${s}`;
}

/** FNV-1a's starting state. */
export const FNV_START = 2166136261;

/** FNV-1a over `s` from state `h`: fnv(fnv(FNV_START, a), b) is fnv(FNV_START, a + b), so a shared prefix is hashed once. */
export function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}

/** A hash state as a number in [0, 1). */
export const unitOf = (h: number) => ((h >>> 0) % 1_000_000) / 1_000_000;

/** Stable hash of a string to [0, 1), for per-instance metric noise independent of call order. */
export function hashUnit(s: string): number {
  return unitOf(fnv(FNV_START, s));
}
