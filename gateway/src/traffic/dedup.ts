/**
 * Identical subgraph queries in flight at the same time — same caller
 * identity, same body — share one request. Keyed first by body, then by
 * identity, so no key string is built from a large body.
 */
export class InFlight<T> {
  private readonly byBody = new Map<string, Map<string, Promise<T>>>();

  /** The request already in flight for (body, identity), or the one `start` makes, shared until it settles. */
  run(body: string, identity: string, start: () => Promise<T>, onShared: () => void): Promise<T> {
    let byIdentity = this.byBody.get(body);
    const existing = byIdentity?.get(identity);
    if (existing) {
      onShared();
      return existing;
    }
    const promise = start();
    if (!byIdentity) this.byBody.set(body, (byIdentity = new Map()));
    byIdentity.set(identity, promise);
    const forget = () => {
      const current = this.byBody.get(body);
      if (!current) return;
      current.delete(identity);
      if (current.size === 0) this.byBody.delete(body);
    };
    promise.then(forget, forget);
    return promise;
  }
}
