/**
 * Promises that run side by side. Node ends the process on a rejection that has no handler when
 * the microtask queue drains (the default since Node 15), so a promise started now and awaited
 * later must be handled the moment it starts, and a group of promises must not be left running,
 * unobserved, after the first of them fails. One refused GetMonitorData batch, started
 * while the listing was still paged, killed the CLI and `serve` before any report was written.
 */

/** A promise awaited later: marked handled now, so a rejection before its await is not fatal; awaiting it still rejects. */
export function awaitedLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * Waits for every promise, then rejects with the first failure in their order (or resolves with
 * every value). Unlike Promise.all, which rejects at the first failure and leaves the rest running
 * with nobody watching, this returns only when nothing it was given is still running.
 */
export async function settleAll<T extends readonly unknown[] | []>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results: Array<PromiseSettledResult<unknown>> = await Promise.allSettled(promises as readonly unknown[]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/**
 * A lookup for a run that meets its keys a page at a time: each key is read once, in one batch
 * with the other new keys of its page, and every caller waits for the batches that cover its
 * keys. A batch that fails is not kept: its keys are read again by the next caller, and the
 * failure reaches the callers waiting on it. `read` stores what it finds where the caller keeps it.
 */
export function readEachOnce(read: (fresh: string[]) => Promise<void>): (keys: Iterable<string>) => Promise<void> {
  const asked = new Map<string, Promise<void>>();
  return async (keys) => {
    const wanted = [...new Set(keys)];
    const fresh = wanted.filter((k) => !asked.has(k));
    if (fresh.length) {
      const batch = read(fresh);
      batch.catch(() => {
        for (const k of fresh) if (asked.get(k) === batch) asked.delete(k);
      });
      for (const k of fresh) asked.set(k, batch);
    }
    await settleAll([...new Set(wanted.map((k) => asked.get(k)))]);
  };
}
