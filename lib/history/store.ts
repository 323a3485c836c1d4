/**
 * Where history is kept: one small interface with three backends — a local directory (the
 * default for `serve` and `run`), a COS bucket (SCF) and an S3 bucket (Lambda), the last two
 * through one S3-protocol client (s3-store.ts). Objects are append-only and keyed by run id, so
 * two runs never write the same object and no object is ever read, changed and written back: a
 * concurrent writer cannot lose another's update (docs/design.md, "History").
 */
export interface HistoryStore {
  /** Where it keeps things, for messages: `directory /x` or `cos bucket b (ap-guangzhou)`. */
  readonly where: string;
  /** Writes a new object; the key is unique to the writer (it carries the run id). */
  create(key: string, body: string): Promise<void>;
  /** An object's text, or undefined when there is none. */
  get(key: string): Promise<string | undefined>;
  /** Every key under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /**
   * Removes an object that has been replaced (auto-stop's busy memory keeps only its latest). A
   * local directory has nothing else to prune it; a bucket leaves this out and expires such
   * objects by its lifecycle rule, so the functions need no delete permission.
   */
  remove?(key: string): Promise<void>;
}

/** A store that could not do what it was asked: the run goes on and reports it. */
export class HistoryStoreError extends Error {
  override name = "HistoryStoreError";
  constructor(
    message: string,
    readonly code: string,
    readonly requestId?: string | undefined,
  ) {
    super(message);
  }
}

// Keys are ours (function names from the registry, UUID run ids, ISO dates), but each is checked
// anyway: nothing outside the store's directory or prefix is ever written or read.
const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*\/?$/;

/** Refuses a key that could leave the store (`..`, absolute paths, odd characters). */
export function checkKey(key: string): string {
  if (!SAFE_KEY.test(key) || key.split("/").includes(".."))
    throw new HistoryStoreError(`refusing the history key "${key.slice(0, 80)}"`, "InvalidKey");
  return key;
}
