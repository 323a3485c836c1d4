import { awaitedLater, settleAll } from "../settle.ts";

/**
 * Streams items into fixed-size batches: a batch is sent as soon as it fills, the remainder on
 * flush. Work starts while pages are still arriving, and the number of calls stays at the
 * minimum, ceil(items / size), rather than one short batch per page.
 */
export class Batcher<T> {
  private buffer: T[] = [];
  private readonly pending: Array<Promise<void>> = [];

  constructor(
    private readonly size: number,
    private readonly send: (batch: T[]) => Promise<void>,
  ) {}

  add(...items: T[]): void {
    this.buffer.push(...items);
    // A batch that fails before flush awaits it is held, not an unhandled rejection that ends the process.
    while (this.buffer.length >= this.size)
      this.pending.push(awaitedLater(this.send(this.buffer.splice(0, this.size))));
  }

  /** Sends what is left and waits for every batch; rejects with the first failure. */
  async flush(): Promise<void> {
    if (this.buffer.length) this.pending.push(this.send(this.buffer.splice(0)));
    // Settle all before rethrowing, so no batch is left running unobserved.
    await settleAll(this.pending.splice(0));
  }
}
