/**
 * Writes that start while regions are still read, for a function with no guard
 * (FunctionSpec.streamWrites): decisions are grouped by the function's key, a group is applied
 * as soon as it fills one call, and what is left of a region when that region ends. The client's
 * per-action limiter still sets the pace; this only stops writes from waiting for every listing.
 */
import { errorRecord } from "../tencent/errors.ts";
import type { ErrorEntry } from "../report/report-head.ts";
import type { Decision, Outcome } from "./spec.ts";

export class WriteStream<K extends string> {
  private readonly open = new Map<string, Map<string, Array<Decision<K>>>>();
  private readonly started: Array<Promise<void>> = [];
  readonly outcomes = new Map<string, Outcome>();
  readonly errors: ErrorEntry[] = [];

  constructor(
    private readonly group: { key(d: Decision<K>): string; size: number },
    private readonly apply: (acting: Array<Decision<K>>) => Promise<Map<string, Outcome>>,
  ) {}

  add(d: Decision<K>): void {
    const byKey = this.open.get(d.region) ?? new Map<string, Array<Decision<K>>>();
    this.open.set(d.region, byKey);
    const k = this.group.key(d);
    const g = byKey.get(k) ?? [];
    g.push(d);
    if (g.length < this.group.size) byKey.set(k, g);
    else {
      byKey.delete(k);
      this.start(g);
    }
  }

  /** A region is done (or failed): its partly filled groups go now, since no more will join them. */
  endRegion(region: string): void {
    for (const g of this.open.get(region)?.values() ?? []) this.start(g);
    this.open.delete(region);
  }

  /** Every group applied and settled; an apply that throws fails its writes (the runner reports them). */
  async settle(): Promise<void> {
    for (const region of [...this.open.keys()]) this.endRegion(region);
    while (this.started.length) await Promise.all(this.started.splice(0));
  }

  private start(g: Array<Decision<K>>): void {
    this.started.push(
      this.apply(g).then(
        (m) => {
          for (const [k, o] of m) this.outcomes.set(k, o);
        },
        (err) => void this.errors.push({ ...errorRecord(err) }),
      ),
    );
  }
}
