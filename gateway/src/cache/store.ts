import type { CacheTag } from './tags';

/** One answer to keep. */
export interface CacheEntry {
  /** Without the store's namespace: `e:<subgraph>:<type>:…` or `r:<subgraph>:…`. */
  readonly key: string;
  readonly value: string;
  readonly ttlMs: number;
  /** The entities it holds (and `list:<Type>`): invalidating one of them deletes it. */
  readonly tags: readonly CacheTag[];
  /**
   * Broader names it falls under (`all`, `subgraph:<name>`, `type:<Type>`, `roots`): an operator's
   * invalidation of one of them after the entry was looked up refuses to store it.
   */
  readonly guards: readonly string[];
}

/** What a lookup found, and the invalidation epoch it read at (what a later store is checked against). */
export interface CacheLookup {
  readonly values: ReadonlyArray<string | null>;
  readonly epoch: number;
}

/**
 * Where entries live: Redis (shared by every replica) or a bounded LRU in the
 * process. Both keep the same promise: an entry is never stored if one of its
 * tags or guards was invalidated after the lookup that missed it (the answer
 * may have been read from the subgraph before the change), and an
 * invalidation deletes every entry tagged with what it names.
 */
export interface CacheStore {
  readonly kind: 'memory' | 'redis';
  get(keys: readonly string[]): Promise<CacheLookup>;
  /** Stores each entry none of whose tags and guards was invalidated after `epoch`; resolves to how many were stored. */
  set(entries: readonly CacheEntry[], epoch: number): Promise<number>;
  /** Deletes every entry tagged with one of `tags`; resolves to how many were deleted. */
  invalidate(tags: readonly CacheTag[]): Promise<number>;
  /**
   * Deletes every entry whose key matches one of `patterns` (`*` matches any
   * text, e.g. `e:*:Product:*`), and marks `guards` invalidated; resolves to
   * how many were deleted. Walks the keys: for operators, not for events.
   */
  invalidateMatching(patterns: readonly string[], guards: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

/**
 * How long an invalidation is remembered to refuse stores: a fetch that took
 * longer than this between its lookup and its store is not stored (the
 * entity cache checks it, so a forgotten invalidation never lets an old
 * answer in). Far above any subgraph timeout.
 */
export const INVALIDATION_MEMORY_MS = 5 * 60_000;
