/** Promises that run side by side: none rejects unhandled, none runs on after a failure is reported. */
import { describe, expect, it } from "vitest";
import { awaitedLater, readEachOnce, settleAll } from "../lib/settle.ts";
import { mapLimit } from "../lib/runtime/map-limit.ts";

const settleIn = <T>(ms: number, v: T, fail = false) =>
  new Promise<T>((resolve, reject) => setTimeout(() => (fail ? reject(v) : resolve(v)), ms));

describe("settle", () => {
  it("a promise awaited later may reject first: no unhandled rejection, and its await still rejects", async () => {
    const early = awaitedLater(Promise.reject(new Error("refused")));
    await settleIn(20, 0);
    await expect(early).rejects.toThrow("refused");
  });

  it("settleAll rejects with the first failure in order, only once every promise has settled", async () => {
    let slowDone = false;
    const slow = settleIn(40, "slow").then((v) => {
      slowDone = true;
      return v;
    });
    await expect(
      settleAll([settleIn(5, new Error("second"), true), slow, settleIn(1, new Error("third"), true)]),
    ).rejects.toThrow("second");
    expect(slowDone).toBe(true);
    await expect(settleAll([settleIn(5, 1), settleIn(1, "two")] as const)).resolves.toEqual([1, "two"]);
  });

  it("mapLimit starts nothing after a failure and lets what is in flight finish before passing it on", async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      if (i === 0) throw new Error("first fails");
      await settleIn(20, i);
      finished.push(i);
      return i;
    });
    await expect(run).rejects.toThrow("first fails");
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([1]);
  });
});

describe("readEachOnce", () => {
  it("reads each key once across callers, and a failed batch again for the next caller", async () => {
    const batches: string[][] = [];
    let failNext = false;
    const read = readEachOnce(async (fresh) => {
      batches.push(fresh);
      if (failNext) {
        failNext = false;
        throw new Error("refused");
      }
    });
    await Promise.all([read(["a", "b"]), read(["b", "c"]), read(["a"])]);
    expect(batches).toEqual([["a", "b"], ["c"]]);
    failNext = true;
    await expect(read(["d", "a"])).rejects.toThrow("refused");
    await read(["d"]);
    expect(batches).toEqual([["a", "b"], ["c"], ["d"], ["d"]]);
  });
});
