import { createHash } from 'node:crypto';
import type { Supergraph } from '@apollo/federation-internals';
import type { FetchNode } from '@apollo/query-planner';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';
import type { DomainEvent } from '../../../lib/events/catalogue';
import type { Logger } from '../../../lib/logger';
import type { Caller } from '../auth/caller';
import { invalidateBeforeDelivery, tagsOfEvent, type FollowedEvents } from './events';
import { UNCACHEABLE, planFetchCaching, shortHash, type CachePolicy, type FetchCachePlan } from './fetch-plan';
import { EntityCacheMetrics, type InvalidationSource } from './metrics';
import type { CacheRecord } from './record';
import { CacheSchemaFacts } from './schema-facts';
import { INVALIDATION_MEMORY_MS, type CacheEntry, type CacheStore } from './store';
import { entityTag, keyValuesOf, listTag, tagsInAnswer, tagsOfEntity, type CacheTag } from './tags';

/** A subgraph's answer as the executor reads it (federation/pooled-data-source's SubgraphResponse). */
export interface SubgraphAnswer {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<GraphQLFormattedError>;
}

type Entity = Record<string, unknown>;

/** An operator's invalidation (the shape of Apollo Router's invalidation endpoint). */
export type InvalidationRequest =
  | { readonly kind: 'entity'; readonly type: string; readonly key: Readonly<Record<string, unknown>>; readonly subgraph?: string }
  | { readonly kind: 'type'; readonly type: string; readonly subgraph?: string }
  | { readonly kind: 'subgraph'; readonly subgraph: string };

export interface EntityCacheOptions {
  store: CacheStore;
  /** Report hits, misses and the answer's policy in `extensions.cache`. */
  debug?: boolean;
  /** The gateway's metrics registry; the cache's series are registered there. */
  registry?: Registry;
  logger: Logger;
  now?: () => number;
}

/** Invalidations waiting to be retried after the store failed them; beyond this many, everything is invalidated once the store is back. */
const MAX_PENDING_TAGS = 10_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;

/**
 * The entity cache of a gateway process (one per process, across
 * supergraph reloads): the store, invalidation (events, mutation answers,
 * operators), metrics. `forSchema` gives each supergraph its part, which
 * the executor calls around subgraph fetches.
 *
 * While an invalidation cannot reach the store (Redis away), the cache stops
 * serving and storing on this process (every lookup a miss) and retries it;
 * it serves again once every failed invalidation has gone through.
 */
export class EntityCache {
  readonly debug: boolean;
  readonly metrics: EntityCacheMetrics;
  readonly store: CacheStore;
  readonly logger: Logger;
  readonly now: () => number;
  /** The latest supergraph's keys and hints: what events and operators' requests are read with. */
  private facts: CacheSchemaFacts | undefined;
  private pending = new Set<CacheTag>();
  private pendingEverything = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RETRY_MIN_MS;
  private closed = false;

  constructor(options: EntityCacheOptions) {
    this.store = options.store;
    this.debug = options.debug ?? false;
    this.metrics = new EntityCacheMetrics(options.registry);
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  /** Lookups and stores happen only while no invalidation is waiting to be retried. */
  get serving(): boolean {
    return this.pending.size === 0 && !this.pendingEverything;
  }

  /** A supergraph's part of the cache; undefined when it has no `@cacheControl` hint (then nothing is cached, and no header is set). */
  forSchema(supergraph: Supergraph, schema: GraphQLSchema): SchemaEntityCache | undefined {
    const facts = new CacheSchemaFacts(supergraph);
    this.facts = facts;
    return facts.hasHints ? new SchemaEntityCache(this, facts, schema) : undefined;
  }

  /**
   * The subscription engine's event source with this cache in front: every
   * channel followed from now on, each event's entities invalidated before
   * the event reaches a subscriber (events.ts).
   */
  beforeDelivery<E extends { readonly event: unknown }, S extends FollowedEvents<E>>(source: S): S {
    return invalidateBeforeDelivery<E, S>(source, (received) => this.invalidateEvents(received), this.logger);
  }

  /** Events received: their entities invalidated (the subscription event path calls this before delivering them). Never rejects. */
  async invalidateEvents(received: readonly DomainEvent[]): Promise<void> {
    const tags = new Set<CacheTag>();
    for (const event of received) for (const tag of tagsOfEvent(event, this.facts)) tags.add(tag);
    await this.invalidate([...tags], 'event');
  }

  /** Deletes every entry holding one of `tags` (on every replica, with Redis). Never rejects: a failure is retried. */
  async invalidate(tags: readonly CacheTag[], source: InvalidationSource): Promise<number> {
    if (tags.length === 0) return 0;
    try {
      const deleted = await this.store.invalidate(tags);
      this.metrics.invalidated(countByType(tags), source, deleted);
      return deleted;
    } catch (error) {
      this.metrics.failed('invalidate');
      this.logger.warn('entity cache invalidation failed; not serving from the cache until it is retried', { error: (error as Error).message, tags: tags.length });
      this.retryLater(tags);
      return 0;
    }
  }

  /** An operator's request (the invalidation endpoint): resolves to the entries deleted. Rejects when the store cannot be reached. */
  async invalidateRequests(requests: readonly InvalidationRequest[]): Promise<number> {
    let deleted = 0;
    const tags: CacheTag[] = [];
    for (const request of requests) {
      if (request.kind === 'entity') tags.push(...this.tagsOfKey(request.type, request.key));
      else deleted += await this.invalidateByName(request, 'operator');
    }
    if (tags.length > 0) {
      deleted += await this.store.invalidate(tags);
      this.metrics.invalidated(countByType(tags), 'operator', deleted);
    }
    return deleted;
  }

  /** Every entry of a type (in every subgraph, or one) or of a subgraph, and every root-field answer a type may be in. */
  async invalidateByName(request: Exclude<InvalidationRequest, { kind: 'entity' }>, source: InvalidationSource): Promise<number> {
    const patterns =
      request.kind === 'subgraph' ? [`e:${request.subgraph}:*`, `r:${request.subgraph}:*`] : [`e:${request.subgraph ?? '*'}:${request.type}:*`, 'r:*'];
    const guards = request.kind === 'subgraph' ? [`subgraph:${request.subgraph}`] : [`type:${request.type}`, 'roots'];
    const deleted = await this.store.invalidateMatching(patterns, guards);
    this.metrics.invalidated(new Map([[request.kind === 'subgraph' ? `subgraph:${request.subgraph}` : request.type, 1]]), source, deleted);
    return deleted;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.store.close();
  }

  /** An entity named by its key values (any order): its tag under each key of its type those values hold. */
  private tagsOfKey(type: string, key: Readonly<Record<string, unknown>>): CacheTag[] {
    const tags = (this.facts?.keysOf(type) ?? []).map((k) => keyValuesOf(key, k)).filter((v) => v !== undefined).map((v) => entityTag(type, v));
    return tags.length > 0 ? tags : [entityTag(type, key)];
  }

  private retryLater(tags: readonly CacheTag[]): void {
    for (const tag of tags) this.pending.add(tag);
    if (this.pending.size > MAX_PENDING_TAGS) {
      this.pending.clear();
      this.pendingEverything = true;
    }
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => void this.retry(), this.retryDelayMs);
    this.retryTimer.unref();
  }

  private async retry(): Promise<void> {
    this.retryTimer = undefined;
    const tags = [...this.pending];
    const everything = this.pendingEverything;
    try {
      if (everything) await this.store.invalidateMatching(['e:*', 'r:*'], ['all']);
      else await this.store.invalidate(tags);
      for (const tag of tags) this.pending.delete(tag);
      if (everything) this.pendingEverything = false;
      this.retryDelayMs = RETRY_MIN_MS;
      this.logger.info('entity cache invalidations retried; serving from the cache again', { tags: tags.length, everything });
    } catch {
      this.metrics.failed('invalidate');
      this.retryDelayMs = Math.min(RETRY_MAX_MS, this.retryDelayMs * 2);
    }
    if (!this.serving && !this.retryTimer && !this.closed) {
      this.retryTimer = setTimeout(() => void this.retry(), this.retryDelayMs);
      this.retryTimer.unref();
    }
  }
}

/** What a lookup of an entity fetch's representations found; `storeEntities` completes it with the subgraph's answers. */
export interface EntityLookup {
  /** Cached answers by representation index. */
  readonly hits: ReadonlyMap<number, Entity>;
  /** Representation indices to ask the subgraph for, in order. */
  readonly misses: readonly number[];
  /** Per representation: its cache key (undefined: not cached) and type. */
  readonly keys: ReadonlyArray<string | undefined>;
  readonly types: readonly string[];
  readonly representations: readonly Entity[];
  readonly plan: FetchCachePlan;
  readonly epoch: number;
  readonly startedAt: number;
}

/**
 * One supergraph's part of the entity cache: plans fetches (once per
 * FetchNode, with the compiled fetch) and looks up, stores and invalidates
 * around them for the executor's runs.
 */
export class SchemaEntityCache {
  constructor(
    private readonly cache: EntityCache,
    readonly facts: CacheSchemaFacts,
    private readonly schema: GraphQLSchema,
  ) {}

  get debug(): boolean {
    return this.cache.debug;
  }

  /** Pure: what the cache does with this fetch (kept with the plan). */
  plan(node: FetchNode): FetchCachePlan {
    return planFetchCaching(node, this.facts, this.schema);
  }

  /**
   * A root fetch through the cache. A query's answer comes from the cache
   * when it is kept there (a PRIVATE one only for the same caller identity),
   * else from `send` (then stored when it has no errors); a mutation's answer invalidates every entity it names before it
   * is returned, so the caller's next read (on any replica, with Redis) sees
   * its write.
   */
  async root(plan: FetchCachePlan, variablesJson: string, caller: Caller, record: CacheRecord, send: () => Promise<SubgraphAnswer>): Promise<SubgraphAnswer> {
    if (plan.kind === 'mutation') {
      record.restrict(UNCACHEABLE);
      const response = await send();
      await this.invalidateMutationAnswer(plan, response);
      return response;
    }
    record.restrict(plan.policy);
    const { cache } = this;
    const scope = plan.rootKeyPrefix && cache.serving ? scopeOf(plan.policy, caller) : undefined;
    if (scope === undefined) return send();
    const key = `${plan.rootKeyPrefix}${scope}:${variablesPart(variablesJson)}`;
    const startedAt = cache.now();
    const lookup = await this.lookup([key]);
    const hit = lookup && unpack(lookup.values[0], startedAt);
    if (hit) {
      record.hit(ROOT_TYPE);
      record.restrict({ maxAge: hit.remainingSec, scope: plan.policy.scope });
      cache.metrics.hit(plan.subgraph, ROOT_TYPE, 1);
      return { data: hit.value };
    }
    record.miss(ROOT_TYPE);
    cache.metrics.miss(plan.subgraph, ROOT_TYPE, 1);
    const response = await send();
    if (lookup && response.data && !(response.errors && response.errors.length > 0)) {
      const tags = new Set(plan.listTags);
      tagsInAnswer(this.facts, response.data, tags);
      const ttlMs = plan.policy.maxAge * 1000;
      const entry = { key, value: pack(response.data, startedAt + ttlMs), ttlMs, tags: [...tags], guards: ['all', `subgraph:${plan.subgraph}`, 'roots'] };
      await this.store([entry], lookup.epoch, startedAt, plan.subgraph, new Map([[ROOT_TYPE, 1]]));
    }
    return response;
  }

  /**
   * Looks up the representations of an `_entities` fetch (JSON and object,
   * same order): each cached answer is a hit; the others are to be sent.
   * Records every representation's policy in the run's record.
   */
  async lookupEntities(plan: FetchCachePlan, json: readonly string[], representations: readonly Entity[], variablesJson: string, caller: Caller, record: CacheRecord): Promise<EntityLookup> {
    const { cache } = this;
    const startedAt = cache.now();
    const keys: Array<string | undefined> = [];
    const types: string[] = [];
    const vars = variablesPart(variablesJson);
    for (let i = 0; i < json.length; i++) {
      const type = representations[i].__typename as string;
      types.push(type);
      const part = plan.byType.get(type);
      record.restrict(part?.policy ?? UNCACHEABLE);
      const scope = part?.keyPrefix && cache.serving ? scopeOf(part.policy, caller) : undefined;
      keys.push(scope === undefined ? undefined : `${part!.keyPrefix}${scope}:${vars}:${json[i]}`);
    }
    const asked = keys.filter((k): k is string => k !== undefined);
    const lookup = asked.length > 0 ? await this.lookup(asked) : undefined;
    const hits = new Map<number, Entity>();
    const misses: number[] = [];
    const counts = new Map<string, { hits: number; misses: number }>();
    for (let i = 0, at = 0; i < json.length; i++) {
      const key = keys[i];
      const found = key === undefined ? undefined : unpack(lookup?.values[at++], startedAt);
      if (found && found.value) {
        hits.set(i, found.value as Entity);
        record.restrict({ maxAge: found.remainingSec, scope: 'PUBLIC' });
      } else {
        misses.push(i);
      }
      if (key === undefined) continue;
      const count = counts.get(types[i]) ?? { hits: 0, misses: 0 };
      if (found) count.hits++;
      else count.misses++;
      counts.set(types[i], count);
    }
    for (const [type, count] of counts) {
      record.hit(type, count.hits);
      record.miss(type, count.misses);
      cache.metrics.hit(plan.subgraph, type, count.hits);
      cache.metrics.miss(plan.subgraph, type, count.misses);
    }
    return { hits, misses, keys: lookup ? keys : keys.map(() => undefined), types, representations, plan, epoch: lookup?.epoch ?? 0, startedAt };
  }

  /**
   * Stores the subgraph's answers to the missed representations (`received`
   * in the order of `lookup.misses`): each non-null answer without an error
   * at its path, tagged with its entity and the entities it holds. Serializes
   * them before its first wait, so the run may merge them right after.
   */
  async storeEntities(lookup: EntityLookup, received: readonly unknown[], errors: ReadonlyArray<GraphQLFormattedError> | undefined): Promise<void> {
    const failed = new Set<number>();
    for (const error of errors ?? []) {
      const index = error.path?.[0] === '_entities' ? error.path[1] : undefined;
      // An error we cannot place: nothing of this answer is kept.
      if (typeof index !== 'number') return;
      failed.add(index);
    }
    const entries: CacheEntry[] = [];
    const byType = new Map<string, number>();
    for (let at = 0; at < lookup.misses.length; at++) {
      const i = lookup.misses[at];
      const key = lookup.keys[i];
      const answer = received[at];
      if (key === undefined || failed.has(at) || answer === null || typeof answer !== 'object') continue;
      const type = lookup.types[i];
      const policy = lookup.plan.byType.get(type)!.policy;
      const tags = new Set<CacheTag>();
      tagsOfEntity(this.facts, type, lookup.representations[i], tags);
      tagsInAnswer(this.facts, answer, tags);
      const ttlMs = policy.maxAge * 1000;
      entries.push({ key, value: pack(answer, lookup.startedAt + ttlMs), ttlMs, tags: [...tags], guards: ['all', `subgraph:${lookup.plan.subgraph}`, `type:${type}`] });
      byType.set(type, (byType.get(type) ?? 0) + 1);
    }
    if (entries.length === 0) return;
    await this.store(entries, lookup.epoch, lookup.startedAt, lookup.plan.subgraph, byType);
  }

  /**
   * Everything a mutation's answer names, and the cached lists of those
   * entities' types: it may have added one (which mutations create is not
   * known here; events say so exactly, see events.ts).
   */
  private async invalidateMutationAnswer(plan: FetchCachePlan, response: SubgraphAnswer): Promise<void> {
    const tags = new Set<CacheTag>();
    if (response.data) tagsInAnswer(this.facts, response.data, tags);
    for (const tag of [...tags]) tags.add(listTag(tag.slice(0, tag.indexOf(':'))));
    await this.cache.invalidate([...tags], 'mutation');
    for (const type of plan.unkeyedTypes) {
      await this.cache.invalidateByName({ kind: 'type', type }, 'mutation').catch((error: Error) => {
        this.cache.metrics.failed('invalidate');
        this.cache.logger.warn('entity cache: invalidating a type after a mutation failed', { type, error: error.message });
      });
    }
  }

  private async lookup(keys: readonly string[]) {
    try {
      return await this.cache.store.get(keys);
    } catch {
      this.cache.metrics.failed('lookup');
      return undefined;
    }
  }

  /** Stores what a lookup at `epoch` missed (`byType`: how many entries of each type, for the metrics). Never rejects. */
  private async store(entries: CacheEntry[], epoch: number, startedAt: number, subgraph: string, byType: ReadonlyMap<string, number>): Promise<void> {
    const { cache } = this;
    // Too old to be checked against every invalidation since its lookup (store.ts), or an invalidation is being retried.
    if (cache.now() - startedAt > INVALIDATION_MEMORY_MS || !cache.serving) return;
    try {
      const stored = await cache.store.set(entries, epoch);
      // Refused entries (invalidated meanwhile) are not told apart by type: the counts are capped by what was stored.
      for (const [type, count] of byType) cache.metrics.stored(subgraph, type, Math.min(count, stored));
    } catch {
      cache.metrics.failed('store');
    }
  }
}

/** The label of root-field answers in records and metrics. */
const ROOT_TYPE = 'Query';

/** The visibility part of a key: `pub`, or the caller's identity (what the subgraph answered for) for PRIVATE answers; anonymous callers keep no private entries. */
const identityScopes = new WeakMap<Caller, string>();
function scopeOf(policy: CachePolicy, caller: Caller): string | undefined {
  if (policy.scope === 'PUBLIC') return 'pub';
  if (!caller.authenticated || caller.subject === null) return undefined;
  let scope = identityScopes.get(caller);
  if (!scope) {
    const identity = JSON.stringify([caller.subject, [...caller.scopes].sort()]);
    scope = `prv.${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}`;
    identityScopes.set(caller, scope);
  }
  return scope;
}

function variablesPart(variablesJson: string): string {
  return variablesJson === '{}' ? '-' : shortHash(variablesJson);
}

/** `<expiry ms>:<JSON>`: the expiry tells what is left of an entry's maxAge (the response's Cache-Control). */
function pack(value: unknown, expiresAt: number): string {
  return `${expiresAt}:${JSON.stringify(value)}`;
}

function unpack(stored: string | null | undefined, now: number): { value: Record<string, unknown>; remainingSec: number } | undefined {
  if (!stored) return undefined;
  const colon = stored.indexOf(':');
  const expiresAt = Number(stored.slice(0, colon));
  if (!(expiresAt > now)) return undefined;
  // What is left of its maxAge, rounded up to a second (a Cache-Control max-age is in whole seconds).
  const remainingSec = Math.ceil((expiresAt - now) / 1000);
  return { value: JSON.parse(stored.slice(colon + 1)) as Record<string, unknown>, remainingSec };
}

function countByType(tags: readonly CacheTag[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const tag of tags) {
    const type = tag.startsWith('list:') ? tag.slice(5) : tag.slice(0, tag.indexOf(':'));
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}
