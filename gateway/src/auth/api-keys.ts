import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { BoundedCache } from '../../../lib/cache/bounded';
import type { Logger } from '../../../lib/logger';
import { AuthenticationError } from './errors';

/** A configured API key: the SHA-256 of the key (never the key itself), the client it names, its tier. */
export interface ApiKeyEntry {
  /** Identifies the client: its rate-limit bucket is `key:<name>`, and logs name it. */
  readonly name: string;
  /** Lower-case hex SHA-256 of the key. */
  readonly sha256: string;
  /** Rate-limit tier; absent: `authenticated`. */
  readonly tier?: string;
  /** Scopes granted to a request that presents the key and no token. */
  readonly scopes?: readonly string[];
}

export interface ApiKeys {
  /** The entry of a presented key; AuthenticationError `unknown-api-key`, or `api-keys-unavailable` when Redis cannot answer. */
  lookup(key: string): Promise<ApiKeyEntry>;
  close(): Promise<void>;
}

export interface ApiKeysOptions {
  keys: readonly ApiKeyEntry[];
  /** Also look keys up in Redis: hash `gw:apikeys`, field = sha256, value = JSON `{ name, tier?, scopes? }`. */
  redisUrl?: string;
  /** How long a Redis answer (found or not) is remembered. Default 30 000 ms. */
  cacheTtlMs?: number;
  /** The rate-limit tiers that exist: a Redis entry naming another is used without its tier (and logged). */
  tiers: ReadonlySet<string>;
  logger: Logger;
}

/** The Redis hash of API keys shared by every replica. */
export const API_KEYS_HASH = 'gw:apikeys';
/** Longer keys are refused unhashed: no work for an attacker's megabyte. */
const MAX_KEY_LENGTH = 512;
const REDIS_TIMEOUT_MS = 100;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * API keys are credentials, not labels: only configured keys select a
 * bucket and a tier, and an unknown key is refused (401 INVALID_API_KEY), so
 * a client cannot mint itself a fresh rate-limit bucket per request. Keys
 * come from the configuration (file or `GATEWAY_API_KEYS`) and, optionally,
 * from Redis, where operators can add and revoke them without a restart;
 * Redis answers are cached briefly (found and not found alike, bounded), and
 * while Redis cannot answer, keys not in the cache are refused with 503
 * rather than let through.
 */
export function createApiKeys(options: ApiKeysOptions): ApiKeys {
  const configured = new Map(options.keys.map((entry) => [entry.sha256.toLowerCase(), entry]));
  const redis = options.redisUrl
    ? // The offline queue holds lookups made while connecting; the timeout bounds them during an outage.
      new Redis(options.redisUrl, { commandTimeout: REDIS_TIMEOUT_MS, maxRetriesPerRequest: 0 })
    : undefined;
  redis?.on('error', () => {}); // an outage answers 503 per lookup; ioredis reconnects by itself
  const remembered = new BoundedCache<{ entry: ApiKeyEntry | null }>({ maxEntries: 10_000, ttlMs: options.cacheTtlMs ?? 30_000 });

  const fromRedis = async (sha256: string): Promise<ApiKeyEntry | null> => {
    const cached = remembered.get(sha256);
    if (cached) return cached.entry;
    let raw: string | null;
    try {
      raw = await redis!.hget(API_KEYS_HASH, sha256);
    } catch (error) {
      options.logger.warn('API keys: Redis cannot answer', { error: (error as Error).message });
      throw new AuthenticationError('api-keys-unavailable');
    }
    const entry = raw === null ? null : parseEntry(raw, sha256, options.tiers, options.logger);
    remembered.set(sha256, { entry });
    return entry;
  };

  return {
    async lookup(key) {
      if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw new AuthenticationError('unknown-api-key');
      const sha256 = hashApiKey(key);
      const entry = configured.get(sha256) ?? (redis ? await fromRedis(sha256) : null);
      if (!entry) throw new AuthenticationError('unknown-api-key');
      return entry;
    },
    async close() {
      if (!redis) return;
      // QUIT would wait in the offline queue while Redis is away.
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}

function parseEntry(raw: string, sha256: string, tiers: ReadonlySet<string>, logger: Logger): ApiKeyEntry | null {
  try {
    const value = JSON.parse(raw) as { name?: unknown; tier?: unknown; scopes?: unknown };
    if (typeof value.name !== 'string' || value.name === '') throw new Error('"name" must be a non-empty string');
    if (typeof value.tier === 'string' && !tiers.has(value.tier)) {
      logger.error('API keys: a Redis entry names an unknown tier; using the default', { name: value.name, tier: value.tier });
      delete value.tier;
    }
    return {
      name: value.name,
      sha256,
      ...(typeof value.tier === 'string' && { tier: value.tier }),
      ...(Array.isArray(value.scopes) && { scopes: value.scopes.filter((s): s is string => typeof s === 'string') }),
    };
  } catch (error) {
    // A broken entry is an operator's mistake: refused as unknown, and said so in the logs.
    logger.error('API keys: unreadable Redis entry', { sha256, error: (error as Error).message });
    return null;
  }
}
