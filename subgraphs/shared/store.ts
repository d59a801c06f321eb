/** Where a subgraph keeps its data: in this process, or in Redis (REDIS_URL). */
export type StoreKind = 'memory' | 'redis';

/**
 * Counts trips to the store so batching can be checked and watched
 * (`store_round_trips_total`): one per method call of an in-process store,
 * one per network round trip to Redis (a pipeline or a script is one).
 */
export interface StoreStats {
  roundTrips: number;
}

/** What every subgraph store has in common. */
export interface SubgraphStore {
  readonly kind: StoreKind;
  readonly stats: StoreStats;
}

/** Whether a seed call wrote its data or found the store already seeded. */
export interface SeedOutcome {
  seeded: boolean;
}
