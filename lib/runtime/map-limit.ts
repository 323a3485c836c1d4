import { settleAll } from "./settle.ts";

/** Runs `fn` over items with at most `limit` in flight, results in the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  // Every worker finishes before a failure is passed on: none keeps running after the caller has moved on.
  await settleAll(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
