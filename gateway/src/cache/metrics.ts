import { Counter, type Registry } from 'prom-client';

export type InvalidationSource = 'event' | 'mutation' | 'operator';

/**
 * The entity cache's series, registered on the gateway's registry
 * (observability/metrics.ts). `type` is the entity type, or the root type
 * (`Query`) for root-field answers.
 */
export class EntityCacheMetrics {
  private readonly hits: Counter<'subgraph' | 'type'>;
  private readonly misses: Counter<'subgraph' | 'type'>;
  private readonly stores: Counter<'subgraph' | 'type'>;
  private readonly invalidations: Counter<'type' | 'source'>;
  private readonly invalidatedEntries: Counter<'source'>;
  private readonly errors: Counter<'operation'>;

  constructor(registry?: Registry) {
    const registers = registry ? [registry] : [];
    this.hits = new Counter({ name: 'gateway_entity_cache_hits_total', help: 'Entity and root-field answers served from the entity cache.', labelNames: ['subgraph', 'type'], registers });
    this.misses = new Counter({
      name: 'gateway_entity_cache_misses_total',
      help: 'Cacheable entity and root-field answers not in the entity cache (asked of the subgraph).',
      labelNames: ['subgraph', 'type'],
      registers,
    });
    this.stores = new Counter({ name: 'gateway_entity_cache_stores_total', help: 'Answers stored in the entity cache.', labelNames: ['subgraph', 'type'], registers });
    this.invalidations = new Counter({
      name: 'gateway_entity_cache_invalidations_total',
      help: 'Entities (or lists of a type) invalidated, by type and source: event (a domain event, before delivery), mutation (a mutation answer through this gateway), operator (the invalidation endpoint).',
      labelNames: ['type', 'source'],
      registers,
    });
    this.invalidatedEntries = new Counter({ name: 'gateway_entity_cache_invalidated_entries_total', help: 'Entries deleted by invalidations.', labelNames: ['source'], registers });
    this.errors = new Counter({ name: 'gateway_entity_cache_errors_total', help: 'Entity cache store calls that failed (lookup, store, invalidate): a failed lookup is a miss.', labelNames: ['operation'], registers });
  }

  hit(subgraph: string, type: string, count: number): void {
    if (count > 0) this.hits.inc({ subgraph, type }, count);
  }

  miss(subgraph: string, type: string, count: number): void {
    if (count > 0) this.misses.inc({ subgraph, type }, count);
  }

  stored(subgraph: string, type: string, count: number): void {
    if (count > 0) this.stores.inc({ subgraph, type }, count);
  }

  invalidated(types: ReadonlyMap<string, number>, source: InvalidationSource, entries: number): void {
    for (const [type, count] of types) this.invalidations.inc({ type, source }, count);
    if (entries > 0) this.invalidatedEntries.inc({ source }, entries);
  }

  failed(operation: 'lookup' | 'store' | 'invalidate'): void {
    this.errors.inc({ operation });
  }
}
