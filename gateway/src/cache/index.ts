/**
 * The entity cache (README "Caching"): subgraph entity answers and public
 * root-field answers kept per (subgraph, type, key, selection, visibility),
 * with TTLs from `@cacheControl` hints, invalidated by the domain events
 * that change them (before delivery), by mutation answers and by operators.
 * - ./schema-facts  hints, entity keys and caller-dependent elements of a supergraph
 * - ./fetch-plan    a fetch's policy, key prefixes and the entity keys added to it (once per plan)
 * - ./entity-cache  EntityCache (per process) and SchemaEntityCache (per supergraph): what the executor calls
 * - ./record        one operation's policy and hits, for Cache-Control and extensions.cache
 * - ./store, ./memory-store, ./redis-store  where entries live
 * - ./tags, ./events  what an entry depends on; what an event changed; invalidation before delivery
 * - ./http          Cache-Control and ETag; ./endpoint the operators' invalidation endpoint
 */
export { EntityCache, SchemaEntityCache, type EntityCacheOptions, type EntityLookup, type InvalidationRequest, type SubgraphAnswer } from './entity-cache';
export { UNCACHEABLE, type CachePolicy, type FetchCachePlan } from './fetch-plan';
export { CacheRecord, type CacheExtension } from './record';
export { MemoryCacheStore } from './memory-store';
export { RedisCacheStore } from './redis-store';
export type { CacheStore } from './store';
export { invalidateBeforeDelivery, tagsOfEvent } from './events';
export { invalidationRoute, INVALIDATION_PATH } from './endpoint';
export { cacheControlHeaders, httpCaching } from './http';

import type { Registry } from 'prom-client';
import type { Logger } from '../../../lib/logger';
import type { GatewayConfig } from '../config/schema';
import { EntityCache as Cache } from './entity-cache';
import { MemoryCacheStore as Memory } from './memory-store';
import { RedisCacheStore as Shared } from './redis-store';

/** The process's entity cache from its configuration (Redis with redisUrl unless `store` says otherwise); undefined when disabled. */
export function createEntityCache(config: GatewayConfig['entityCache'], redisUrl: string | undefined, registry: Registry | undefined, logger: Logger): Cache | undefined {
  if (!config.enabled) return undefined;
  const kind = config.store ?? (redisUrl ? 'redis' : 'memory');
  const store = kind === 'redis' ? new Shared({ url: redisUrl! }) : new Memory({ maxEntries: config.maxEntries, maxBytes: config.maxBytes });
  return new Cache({ store, debug: config.debug, registry, logger });
}
