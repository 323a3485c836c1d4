/**
 * Fails the test during which a promise rejected with no handler, and the file if one rejects
 * after its last test. Vitest already fails the run on an unhandled error, but reports the test as
 * passed and can miss a rejection that lands after a file's tests; a product that ends its
 * process on one (Node's default) must see it as a failed test, named.
 */
import { afterAll, afterEach } from "vitest";

const seen: unknown[] = [];
process.on("unhandledRejection", (reason) => {
  seen.push(reason);
});

function failOnSeen(when: string): void {
  if (!seen.length) return;
  const reasons = seen.splice(0).map((r) => (r instanceof Error ? (r.stack ?? r.message) : String(r)));
  throw new Error(`unhandled promise rejection ${when}:\n${reasons.join("\n")}`);
}

afterEach(async () => {
  // One turn of the event loop: a rejection is reported once the microtasks after it have run.
  await new Promise((resolve) => setImmediate(resolve));
  failOnSeen("during this test");
});

afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 20));
  failOnSeen("after the file's last test");
});
