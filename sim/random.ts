/** The simulation's one source of chance: a seeded PRNG (the emulator's mulberry32) with the draws the actors need. */
import { seededRandom } from "../emulator/random.ts";

export class Chance {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  unit(): number {
    return this.next();
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }

  /** One of several outcomes by weight. */
  weighted<T extends string>(w: Record<T, number>): T {
    const entries = Object.entries(w) as Array<[T, number]>;
    const total = entries.reduce((s, [, n]) => s + n, 0);
    let r = this.next() * total;
    for (const [k, n] of entries) {
      r -= n;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }
}
