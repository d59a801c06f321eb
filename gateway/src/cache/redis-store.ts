import type Redis from 'ioredis';
import { createFailFastRedis } from '../../../lib/redis/fail-fast';
import { INVALIDATION_MEMORY_MS, type CacheEntry, type CacheLookup, type CacheStore } from './store';
import type { CacheTag } from './tags';

/** A lookup Redis has not answered by then is a miss: the cache never makes a request much slower than the subgraph would. */
const COMMAND_TIMEOUT_MS = 500;
/** Keys deleted per UNLINK while walking keys for an operator's invalidation. */
const SCAN_BATCH = 500;

/**
 * Stores each entry unless one of its guards or tags was invalidated after the
 * epoch its lookup read; indexes it under its tags (a set per tag, expiring
 * with its longest entry).
 * KEYS: per entry: the entry, its guards' marks, then per tag its mark and its set.
 * ARGV: epoch, entry count, then per entry: ttl (ms), value, guard count, tag count.
 */
const SET_LUA = `
local epoch = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local k, a, stored = 1, 3, 0
local function fresh(mark)
  local v = redis.call('GET', mark)
  return (not v) or tonumber(v) <= epoch
end
for _ = 1, count do
  local key = KEYS[k]
  local ttl, value, guards, tags = tonumber(ARGV[a]), ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  a = a + 4
  local ok = true
  for g = 1, guards do
    if not fresh(KEYS[k + g]) then ok = false end
  end
  local t0 = k + guards + 1
  if ok then
    for t = 0, tags - 1 do
      if not fresh(KEYS[t0 + 2 * t]) then ok = false end
    end
  end
  if ok then
    redis.call('SET', key, value, 'PX', ttl)
    for t = 0, tags - 1 do
      local set = KEYS[t0 + 2 * t + 1]
      redis.call('SADD', set, key)
      if redis.call('PTTL', set) < ttl then redis.call('PEXPIRE', set, ttl) end
    end
    stored = stored + 1
  end
  k = t0 + 2 * tags
end
return stored
`;

/**
 * A new epoch; each tag marked with it (remembered ARGV[1] ms), and every
 * entry its set lists deleted with the set.
 * KEYS: the epoch counter, then per tag its mark and its set.
 */
const INVALIDATE_LUA = `
local epoch = redis.call('INCR', KEYS[1])
local deleted = 0
for i = 2, #KEYS, 2 do
  redis.call('SET', KEYS[i], epoch, 'PX', ARGV[1])
  local members = redis.call('SMEMBERS', KEYS[i + 1])
  for j = 1, #members, 500 do
    deleted = deleted + redis.call('DEL', unpack(members, j, math.min(j + 499, #members)))
  end
  redis.call('DEL', KEYS[i + 1])
end
return deleted
`;

/** A new epoch, each name marked with it. KEYS: the epoch counter, then the marks. */
const MARK_LUA = `
local epoch = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], epoch, 'PX', ARGV[1]) end
return epoch
`;

type Script = (numberOfKeys: number, ...args: Array<string | number>) => Promise<number>;

export interface RedisCacheStoreOptions {
  url: string;
  /** Namespace of every key. Default `gw:ec:`. */
  prefix?: string;
}

/**
 * The shared store: every replica reads and invalidates the same entries, so
 * an event one replica received has deleted what another would have served.
 * Layout under the prefix: `e:…`/`r:…` entries (value: expiry ms, `:`, JSON),
 * `t:<tag>` sets of the entries holding a tag, `v:<tag or guard>` the epoch
 * of its last invalidation (kept INVALIDATION_MEMORY_MS), `epoch` the counter.
 * One round trip per lookup (MGET), per store and per invalidation (Lua).
 * The scripts touch keys they are not given (entries listed in a set), so
 * this needs one Redis, not a Redis Cluster.
 */
export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly setScript: Script;
  private readonly invalidateScript: Script;
  private readonly markScript: Script;

  constructor(options: RedisCacheStoreOptions) {
    this.prefix = options.prefix ?? 'gw:ec:';
    this.redis = createFailFastRedis(options.url, COMMAND_TIMEOUT_MS);
    // Failures surface on the commands (the entity cache treats them as misses and retries invalidations).
    this.redis.on('error', () => {});
    this.redis.defineCommand('gwEntityCacheSet', { lua: SET_LUA });
    this.redis.defineCommand('gwEntityCacheInvalidate', { lua: INVALIDATE_LUA });
    this.redis.defineCommand('gwEntityCacheMark', { lua: MARK_LUA });
    const script = (name: string) => (this.redis as unknown as Record<string, Script>)[name].bind(this.redis);
    this.setScript = script('gwEntityCacheSet');
    this.invalidateScript = script('gwEntityCacheInvalidate');
    this.markScript = script('gwEntityCacheMark');
  }

  /** Resolves once connected (start-up and tests; commands issued before fail fast and count as misses). */
  async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      this.redis.once('ready', resolve);
      this.redis.once('end', () => reject(new Error('Redis connection ended')));
    });
  }

  async get(keys: readonly string[]): Promise<CacheLookup> {
    const replies = await this.redis.mget(this.prefix + 'epoch', ...keys.map((key) => this.prefix + key));
    return { epoch: Number(replies[0] ?? 0), values: replies.slice(1) };
  }

  async set(entries: readonly CacheEntry[], epoch: number): Promise<number> {
    if (entries.length === 0) return 0;
    const keys: string[] = [];
    const args: Array<string | number> = [epoch, entries.length];
    for (const entry of entries) {
      keys.push(this.prefix + entry.key);
      for (const guard of entry.guards) keys.push(this.mark(guard));
      for (const tag of entry.tags) keys.push(this.mark(tag), this.tagSet(tag));
      args.push(Math.max(1, Math.round(entry.ttlMs)), entry.value, entry.guards.length, entry.tags.length);
    }
    return this.setScript(keys.length, ...keys, ...args);
  }

  async invalidate(tags: readonly CacheTag[]): Promise<number> {
    if (tags.length === 0) return 0;
    const keys = [this.prefix + 'epoch', ...tags.flatMap((tag) => [this.mark(tag), this.tagSet(tag)])];
    return this.invalidateScript(keys.length, ...keys, INVALIDATION_MEMORY_MS * 2);
  }

  async invalidateMatching(patterns: readonly string[], guards: readonly string[]): Promise<number> {
    const marks = [this.prefix + 'epoch', ...guards.map((guard) => this.mark(guard))];
    await this.markScript(marks.length, ...marks, INVALIDATION_MEMORY_MS * 2);
    let deleted = 0;
    for (const pattern of patterns) {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.prefix + pattern, 'COUNT', SCAN_BATCH);
        cursor = next;
        if (keys.length > 0) deleted += await this.redis.unlink(...keys);
      } while (cursor !== '0');
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private mark(name: string): string {
    return `${this.prefix}v:${name}`;
  }

  private tagSet(tag: CacheTag): string {
    return `${this.prefix}t:${tag}`;
  }
}
