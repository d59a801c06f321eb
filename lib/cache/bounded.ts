import { LRUCache } from 'lru-cache';

export interface BoundedCacheOptions<V> {
  /** Most entries kept; the least recently used goes first. */
  maxEntries: number;
  /** Most bytes kept, as `sizeOf` counts them; omit to bound by entries only. */
  maxBytes?: number;
  /** Approximate bytes one entry holds (key included). Required with `maxBytes`; an entry larger than `maxBytes` is not kept. */
  sizeOf?: (value: V, key: string) => number;
  /** Entries older than this are forgotten (ms); per entry with `set(key, value, ttlMs)`. */
  ttlMs?: number;
  /** Called once for every entry that leaves: evicted, expired, deleted or replaced (e.g. to keep an index of the keys in step). */
  onRemove?: (value: V, key: string) => void;
}

/**
 * The one bounded cache of the project (lru-cache underneath): every cache of
 * pure, rebuildable work (parsed documents, authorization and cost outcomes,
 * verified tokens, signed identities) is bounded by entries and, where values
 * vary in size, by bytes.
 */
export class BoundedCache<V extends {}> {
  private readonly lru: LRUCache<string, V>;

  constructor(options: BoundedCacheOptions<V>) {
    if (options.maxBytes !== undefined && !options.sizeOf) throw new TypeError('BoundedCache: maxBytes needs sizeOf');
    this.lru = new LRUCache<string, V>({
      max: Math.max(1, options.maxEntries),
      ...(options.maxBytes !== undefined && {
        maxSize: Math.max(1, options.maxBytes),
        // lru-cache wants a positive integer.
        sizeCalculation: (value: V, key: string) => Math.max(1, Math.ceil(options.sizeOf!(value, key))),
      }),
      ...(options.ttlMs !== undefined && { ttl: options.ttlMs, ttlAutopurge: false }),
      ...(options.onRemove && { dispose: (value: V, key: string) => options.onRemove!(value, key) }),
    });
  }

  get(key: string): V | undefined {
    return this.lru.get(key);
  }

  /** `ttlMs` overrides the cache's own for this entry (e.g. until a token expires). */
  set(key: string, value: V, ttlMs?: number): void {
    if (ttlMs !== undefined && ttlMs <= 0) return;
    this.lru.set(key, value, ttlMs === undefined ? undefined : { ttl: ttlMs });
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** The keys held, most recently used first (expired ones may still be listed until read). */
  keys(): IterableIterator<string> {
    return this.lru.keys();
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  /** Bytes held, as `sizeOf` counted them (0 when bounded by entries only). */
  get bytes(): number {
    return this.lru.calculatedSize ?? 0;
  }
}
