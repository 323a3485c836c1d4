import { settleAll } from "../settle.ts";

/** Runs `fn` over items with at most `limit` in flight, results in the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  // After a failure no item is started, and the ones in flight finish before it is passed on:
  // nothing keeps running after the caller has moved on.
  await settleAll(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
