/**
 * Functions that change the same thing (FunctionSpec.touches: auto-stop and office-hours both
 * start and stop machines) never run at the same instant in one process: at :00 both fire, and
 * run together they raced on the same machines (one stops what the other just decided to stop).
 * Each shared word is a lock; a run takes its function's locks in name order, so two runs can
 * never wait on each other.
 */
export class RunLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` once no other run holding any of `keys` is in progress. */
  async hold<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const releases: Array<() => void> = [];
    for (const key of [...new Set(keys)].sort()) {
      const before = this.tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      this.tails.set(
        key,
        before.then(() => mine),
      );
      releases.push(release);
      await before;
    }
    try {
      return await fn();
    } finally {
      for (const r of releases) r();
    }
  }
}

/** Functions that share what they change, by what they change, in words for the start-up lines: `instance power: a, b and c`. */
export function sharedTouches(functions: readonly { name: string; touches: readonly string[] }[]): string[] {
  const words = [...new Set(functions.flatMap((f) => f.touches))];
  return words.flatMap((w) => {
    const names = functions.filter((f) => f.touches.includes(w)).map((f) => f.name);
    return names.length < 2 ? [] : [`${w}: ${names.slice(0, -1).join(", ")} and ${names.at(-1)}`];
  });
}
