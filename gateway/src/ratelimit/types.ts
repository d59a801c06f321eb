import type { Logger } from '../../../lib/logger';

/** A caller's budget: a bucket of `capacity` points refilled continuously at `refillPerSecond`. */
export interface Tier {
  name: string;
  capacity: number;
  refillPerSecond: number;
  /** Subscriptions one client may hold open at once, across all replicas. */
  maxSubscriptions: number;
}

/** What one debit decided, enough for the rate-limit response headers. */
export interface Decision {
  allowed: boolean;
  /** Points left after this call (whole points, rounded down). */
  remaining: number;
  capacity: number;
  refillPerSecond: number;
  /**
   * ms until `cost` points are available (0 when allowed). NEVER (-1) when
   * the cost exceeds the capacity: no amount of waiting helps.
   */
  retryAfterMs: number;
  /** ms until the bucket is full again. */
  resetMs: number;
}

/** retryAfterMs of a cost larger than the tier's capacity. */
export const NEVER = -1;

export type SubscriptionRefusalReason = 'RATE_LIMITED' | 'TOO_MANY_SUBSCRIPTIONS';

export type SubscriptionStart =
  | { allowed: false; reason: SubscriptionRefusalReason; decision: Decision }
  | { allowed: true; decision: Decision; release(): Promise<void> };

export interface RateLimiterHealth {
  /** Where buckets are kept right now. */
  store: 'redis' | 'memory';
  /** Redis is configured but not answering: each replica limits on its own. */
  degraded: boolean;
  /** When the current degradation began (ms since epoch); only while degraded. */
  since?: number;
}

export interface RateLimiterStats {
  /** Debits allowed (points taken), subscription starts included. */
  debits: number;
  /** Debits refused, for either reason. */
  refusals: number;
  /** Operations answered in-process because Redis was configured but unavailable. */
  fallbacks: number;
}

export interface RateLimiter {
  /**
   * Takes `cost` points, all or nothing. Never fails because the store is
   * down; rejects only for a programming error (a negative or non-finite
   * cost, an invalid tier).
   */
  debit(key: string, tier: Tier, cost: number): Promise<Decision>;
  /**
   * Settles a charge once the real cost is known: positive `points` are given
   * back (capped at capacity), negative ones taken, down to an empty bucket at
   * most (never refused, never below 0). Fire-and-forget safe: never rejects.
   */
  settle(key: string, tier: Tier, points: number): Promise<void>;
  /**
   * Charges a subscription's cost and takes one of the client's
   * `maxSubscriptions` slots, atomically: a refusal takes neither. The slot
   * is held until `release()` (idempotent) or, if this process dies, until
   * its heartbeat stops for `subscriptionTtlMs`.
   */
  startSubscription(key: string, tier: Tier, cost: number): Promise<SubscriptionStart>;
  health(): RateLimiterHealth;
  stats(): RateLimiterStats;
  /** Stops heartbeats and disconnects. Handles not released by then expire after their ttl. */
  close(): Promise<void>;
}

export interface RateLimiterOptions {
  /** Buckets shared by every replica. Absent: in-process buckets (one gateway). */
  redisUrl?: string;
  logger: Logger;
  /** Clock of the in-process buckets and of `health().since`. Default: Date.now. Redis uses its own TIME. */
  now?: () => number;
  /** A subscription slot whose heartbeat stops is freed after this long (heartbeat: every third of it). Default: 30 000. */
  subscriptionTtlMs?: number;
}

/**
 * Where buckets and subscription slots live (Redis or this process). Both
 * implement the same semantics (see bucket.ts and redis-store.ts).
 */
export interface LimiterStore {
  debit(key: string, tier: Tier, cost: number): Promise<Decision>;
  /** Positive points back (capped at capacity), negative taken (floored at 0). */
  settle(key: string, tier: Tier, points: number): Promise<void>;
  /** Checks the slot cap, then debits, then takes a slot `id` until now + ttlMs: one atomic step. */
  startSubscription(key: string, tier: Tier, cost: number, id: string, ttlMs: number): Promise<StoreSubscriptionStart>;
  /** Moves the slot's expiry to now + ttlMs (re-adding it if it had already expired). */
  keepSubscription(key: string, id: string, ttlMs: number): Promise<void>;
  endSubscription(key: string, id: string): Promise<void>;
}

export interface StoreSubscriptionStart {
  outcome: 'STARTED' | SubscriptionRefusalReason;
  decision: Decision;
}
