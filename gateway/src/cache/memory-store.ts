import { BoundedCache } from '../../../lib/cache/bounded';
import { INVALIDATION_MEMORY_MS, type CacheEntry, type CacheLookup, type CacheStore } from './store';
import type { CacheTag } from './tags';

/** Invalidations remembered at most (a burst beyond it only refuses the stores of lookups made before it). */
const MAX_REMEMBERED = 100_000;

interface Held {
  value: string;
  tags: readonly CacheTag[];
}

export interface MemoryCacheStoreOptions {
  maxEntries: number;
  maxBytes: number;
  /** Injected in tests. */
  now?: () => number;
}

/**
 * The embedded store: the project's bounded LRU (entries and bytes), an index
 * tag -> keys kept in step with it (an evicted or expired entry leaves the
 * index too), and the epochs of recent invalidations to refuse late stores.
 * One process only: without Redis each replica has its own, invalidated by
 * the events it receives itself.
 */
export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory';
  private readonly entries: BoundedCache<Held>;
  private readonly index = new Map<CacheTag, Set<string>>();
  /** Tag or guard -> the epoch and time of its last invalidation, oldest first (pruned after INVALIDATION_MEMORY_MS, or beyond MAX_REMEMBERED). */
  private readonly invalidated = new Map<string, { epoch: number; at: number }>();
  /** The newest epoch among the invalidations forgotten for room: a lookup older than it is not stored (it may predate one of them). */
  private forgottenEpoch = 0;
  private epoch = 0;
  private readonly now: () => number;

  constructor(options: MemoryCacheStoreOptions) {
    this.now = options.now ?? Date.now;
    this.entries = new BoundedCache<Held>({
      maxEntries: options.maxEntries,
      maxBytes: options.maxBytes,
      // UTF-16 code units of the value and key, plus the tags: close enough to bound memory.
      sizeOf: (held, key) => 2 * (held.value.length + key.length) + held.tags.reduce((n, tag) => n + 2 * tag.length + 16, 64),
      onRemove: (held, key) => this.unindex(key, held.tags),
    });
  }

  async get(keys: readonly string[]): Promise<CacheLookup> {
    return { values: keys.map((key) => this.entries.get(key)?.value ?? null), epoch: this.epoch };
  }

  async set(entries: readonly CacheEntry[], epoch: number): Promise<number> {
    this.forgetOld();
    let stored = 0;
    if (epoch < this.forgottenEpoch) return 0;
    for (const entry of entries) {
      if (this.invalidatedAfter(entry.tags, epoch) || this.invalidatedAfter(entry.guards, epoch)) continue;
      this.entries.set(entry.key, { value: entry.value, tags: entry.tags }, entry.ttlMs);
      // Too large for the cache's byte bound: not kept, so not indexed.
      if (this.entries.get(entry.key) === undefined) continue;
      for (const tag of entry.tags) {
        let keys = this.index.get(tag);
        if (!keys) this.index.set(tag, (keys = new Set()));
        keys.add(entry.key);
      }
      stored++;
    }
    return stored;
  }

  async invalidate(tags: readonly CacheTag[]): Promise<number> {
    this.mark(tags);
    let deleted = 0;
    for (const tag of tags) {
      const keys = this.index.get(tag);
      if (!keys) continue;
      for (const key of [...keys]) {
        if (this.entries.get(key) !== undefined) deleted++;
        this.entries.delete(key);
      }
      this.index.delete(tag);
    }
    return deleted;
  }

  async invalidateMatching(patterns: readonly string[], guards: readonly string[]): Promise<number> {
    this.mark(guards);
    const matchers = patterns.map(globToRegExp);
    let deleted = 0;
    for (const key of [...this.entries.keys()]) {
      if (!matchers.some((m) => m.test(key))) continue;
      this.entries.delete(key);
      deleted++;
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.index.clear();
  }

  /** Entries held (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private mark(names: readonly string[]): void {
    const epoch = ++this.epoch;
    const at = this.now();
    for (const name of names) {
      // Re-inserted, so the map stays ordered by time.
      this.invalidated.delete(name);
      this.invalidated.set(name, { epoch, at });
    }
    this.forgetOld();
  }

  private invalidatedAfter(names: readonly string[], epoch: number): boolean {
    for (const name of names) {
      const mark = this.invalidated.get(name);
      if (mark && mark.epoch > epoch) return true;
    }
    return false;
  }

  private forgetOld(): void {
    const horizon = this.now() - INVALIDATION_MEMORY_MS;
    for (const [name, mark] of this.invalidated) {
      if (mark.at >= horizon && this.invalidated.size <= MAX_REMEMBERED) break;
      if (mark.at >= horizon) this.forgottenEpoch = Math.max(this.forgottenEpoch, mark.epoch);
      this.invalidated.delete(name);
    }
  }

  private unindex(key: string, tags: readonly CacheTag[]): void {
    for (const tag of tags) {
      const keys = this.index.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.index.delete(tag);
    }
  }
}

/** `e:*:Product:*` -> /^e:.*:Product:.*$/ (every other character literal). */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
}
