import type { CachePolicy } from './fetch-plan';

/** `extensions.cache` with the debug flag: what this answer was made of. */
export interface CacheExtension {
  /** Entity answers (by entity type) and root-field answers (by root type) served from the cache. */
  hits: Record<string, number>;
  /** Asked of a subgraph (cacheable, but not in the cache). */
  misses: Record<string, number>;
  /** The answer's policy (what `Cache-Control` says); null: not cacheable (`no-store`). */
  policy: CachePolicy | null;
}

/**
 * One operation's dealings with the entity cache: the policy of everything
 * its answer holds (the least maxAge — a cached entry counts with what is left
 * of its time — and PRIVATE if any part is), and hits and misses by type.
 * Shared by the runs of an operation's deferred parts.
 */
export class CacheRecord {
  private maxAge: number | undefined;
  private private = false;
  private readonly hits: Record<string, number> = {};
  private readonly misses: Record<string, number> = {};

  restrict(policy: CachePolicy): void {
    this.maxAge = this.maxAge === undefined ? policy.maxAge : Math.min(this.maxAge, policy.maxAge);
    if (policy.scope === 'PRIVATE') this.private = true;
  }

  hit(type: string, count = 1): void {
    if (count > 0) this.hits[type] = (this.hits[type] ?? 0) + count;
  }

  miss(type: string, count = 1): void {
    if (count > 0) this.misses[type] = (this.misses[type] ?? 0) + count;
  }

  /** Undefined when something in the answer may not be reused (or nothing was fetched). */
  policy(): CachePolicy | undefined {
    if (this.maxAge === undefined || this.maxAge <= 0) return undefined;
    return { maxAge: this.maxAge, scope: this.private ? 'PRIVATE' : 'PUBLIC' };
  }

  extension(): CacheExtension {
    return { hits: { ...this.hits }, misses: { ...this.misses }, policy: this.policy() ?? null };
  }
}
