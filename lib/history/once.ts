/**
 * Doing a thing once across retries and hosts (the monthly digest), on a store that only creates
 * objects and lists them: a bucket's PUT overwrites, so there is no conditional write to lean on,
 * and this interface has none. Under a prefix of its own:
 *   1. a `done-…` object means it was done: nothing more;
 *   2. a fresh `claim-…` object means another host is at it now: this one stands back;
 *   3. otherwise write a claim of our own (its key starts with our clock, to the millisecond),
 *      list again, and go ahead only if ours is the earliest fresh claim;
 *   4. when done, write `done-…`.
 * The race left, and why it is rare: two hosts that both pass step 2 before either writes its
 * claim both see both claims at step 3 (local directories, S3 and COS all list what was written
 * before), so only the earliest goes ahead. Both would go ahead only if the later writer's clock
 * read earlier than the first's (clock skew between hosts, or the very same millisecond with a
 * smaller random suffix) and its claim landed after the first had listed. A host that dies
 * between its claim and `done` leaves a claim that goes stale after CLAIM_TTL_MS; a later run
 * then tries again.
 */
import { randomUUID } from "node:crypto";
import type { HistoryStore } from "./store.ts";

/** How long a claim holds others back: far longer than a send takes (3 attempts of 5 s per destination, in parallel). */
export const CLAIM_TTL_MS = 10 * 60_000;

export type Claim = { state: "done" } | { state: "held"; by: string } | { state: "won"; key: string };

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "");
const claimTime = (key: string) => {
  const m = /claim-(\d{8}T\d{6}\.\d{3}Z)-/.exec(key);
  return m
    ? Date.parse(m[1]!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/, "$1-$2-$3T$4:$5:$6"))
    : Number.NaN;
};

/** The claims under `prefix` made within CLAIM_TTL_MS of `nowMs`, earliest first. */
const fresh = (keys: readonly string[], prefix: string, nowMs: number) =>
  keys.filter((k) => k.startsWith(`${prefix}claim-`) && claimTime(k) > nowMs - CLAIM_TTL_MS).sort();

/** Steps 1–3: whether this host should do the thing now. `prefix` ends with `/`. */
export async function claimOnce(store: HistoryStore, prefix: string, nowMs: () => number): Promise<Claim> {
  const before = await store.list(prefix);
  if (before.some((k) => k.startsWith(`${prefix}done-`))) return { state: "done" };
  const other = fresh(before, prefix, nowMs())[0];
  if (other) return { state: "held", by: other };
  const mine = `${prefix}claim-${stamp(nowMs())}-${randomUUID().slice(0, 8)}.json`;
  await store.create(mine, JSON.stringify({ claimedAt: new Date(nowMs()).toISOString() }));
  const first = fresh(await store.list(prefix), prefix, nowMs())[0];
  return first === mine ? { state: "won", key: mine } : { state: "held", by: first ?? "" };
}

/** Step 4: the thing is done; `body` says what became of it. */
export async function markDone(store: HistoryStore, prefix: string, nowMs: number, body: unknown): Promise<void> {
  await store.create(`${prefix}done-${stamp(nowMs)}-${randomUUID().slice(0, 8)}.json`, JSON.stringify(body));
}
