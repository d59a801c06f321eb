import { debitBucket, decisionFor, settleBucket, tokensAt, type BucketState } from './bucket';
import type { Decision, LimiterStore, StoreSubscriptionStart, Tier } from './types';

/** Buckets kept at most. Reaching it sweeps: full buckets go, then the least recently used down to 90%. */
export const DEFAULT_MAX_BUCKETS = 100_000;

export interface MemoryStoreOptions {
  now?: () => number;
  maxBuckets?: number;
}

interface Entry {
  state: BucketState;
  /** When this bucket is full again, i.e. no different from a missing one. */
  fullAt: number;
}

/**
 * Buckets and subscription slots in this process: the store of a single
 * gateway, and every replica's fallback while Redis is down. Bounded: a
 * full bucket is dropped (it equals a missing one); past `maxBuckets` the
 * least recently used buckets go too (down to 90%, so sweeps stay rare),
 * which at worst hands their clients a full bucket early.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): LimiterStore & { size(): number } {
  const now = options.now ?? Date.now;
  const maxBuckets = options.maxBuckets ?? DEFAULT_MAX_BUCKETS;
  // Map order is recency: each write re-inserts its key at the end.
  const buckets = new Map<string, Entry>();
  /** client key -> subscription id -> expiry (ms). */
  const subscriptions = new Map<string, Map<string, number>>();

  const read = (key: string): BucketState | undefined => buckets.get(key)?.state;
  const write = (key: string, tier: Tier, state: BucketState | undefined) => {
    buckets.delete(key);
    if (!state) return;
    if (buckets.size >= maxBuckets) sweep();
    const fullAt = state.updatedAt + ((tier.capacity - state.tokens) * 1000) / tier.refillPerSecond;
    buckets.set(key, { state, fullAt });
  };
  const sweep = () => {
    const t = now();
    for (const [key, entry] of buckets) if (entry.fullAt <= t) buckets.delete(key);
    for (const key of subscriptions.keys()) liveSlots(key, t);
    // Still crowded: drop the least recently used tenth so sweeps stay rare.
    const target = Math.floor(maxBuckets * 0.9);
    for (const key of buckets.keys()) {
      if (buckets.size <= target) break;
      buckets.delete(key);
    }
  };
  const liveSlots = (key: string, t: number): Map<string, number> | undefined => {
    const slots = subscriptions.get(key);
    if (!slots) return undefined;
    for (const [id, expiresAt] of slots) if (expiresAt <= t) slots.delete(id);
    if (slots.size === 0) subscriptions.delete(key);
    return slots.size === 0 ? undefined : slots;
  };
  const debitNow = (key: string, tier: Tier, cost: number, t: number): Decision => {
    const { decision, state } = debitBucket(read(key), tier, cost, t);
    if (decision.allowed) write(key, tier, state);
    return decision;
  };

  return {
    async debit(key, tier, cost) {
      return debitNow(key, tier, cost, now());
    },
    async settle(key, tier, points) {
      write(key, tier, settleBucket(read(key), tier, points, now()));
    },
    async startSubscription(key, tier, cost, id, ttlMs): Promise<StoreSubscriptionStart> {
      const t = now();
      if ((liveSlots(key, t)?.size ?? 0) >= tier.maxSubscriptions) {
        const state = read(key);
        return { outcome: 'TOO_MANY_SUBSCRIPTIONS', decision: decisionFor(tier, tokensAt(state, tier, t), cost, false) };
      }
      const decision = debitNow(key, tier, cost, t);
      if (!decision.allowed) return { outcome: 'RATE_LIMITED', decision };
      const slots = subscriptions.get(key) ?? new Map<string, number>();
      slots.set(id, t + ttlMs);
      subscriptions.set(key, slots);
      return { outcome: 'STARTED', decision };
    },
    async keepSubscription(key, id, ttlMs) {
      const slots = subscriptions.get(key) ?? new Map<string, number>();
      slots.set(id, now() + ttlMs);
      subscriptions.set(key, slots);
    },
    async endSubscription(key, id) {
      const slots = subscriptions.get(key);
      slots?.delete(id);
      if (slots?.size === 0) subscriptions.delete(key);
    },
    size: () => buckets.size,
  };
}
