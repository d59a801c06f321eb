/**
 * The live connections (or streams) of a transport, so a graceful shutdown
 * can wait for them to close, and cut what is left after a bound.
 */
export class Registry<T> implements Iterable<T> {
  private readonly items = new Set<T>();
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.items.size;
  }

  add(item: T): void {
    this.items.add(item);
  }

  delete(item: T): void {
    if (this.items.delete(item) && this.items.size === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items.values();
  }

  /**
   * Resolves once every item is gone. Items still there after `timeoutMs` are
   * handed to `cut` (which must make them go: terminate, destroy); the promise
   * resolves at the latest `timeoutMs` after that, whatever is left.
   */
  drained(timeoutMs: number, cut: (item: T) => void): Promise<void> {
    if (this.items.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let giveUp: NodeJS.Timeout | undefined;
      const cutLeftovers = setTimeout(() => {
        for (const item of [...this.items]) cut(item);
        giveUp = setTimeout(done, timeoutMs);
        giveUp.unref();
      }, timeoutMs);
      cutLeftovers.unref();
      function done() {
        clearTimeout(cutLeftovers);
        clearTimeout(giveUp);
        resolve();
      }
      this.waiters.push(done);
    });
  }
}
