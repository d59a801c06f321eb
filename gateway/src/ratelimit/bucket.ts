import { NEVER, type Decision, type Tier } from './types';

/**
 * Token-bucket arithmetic, shared by the in-process store and mirrored line
 * for line by the Lua in redis-store.ts. Points are fractional (refill is
 * continuous); a bucket that is full is the same as no bucket at all, so a
 * full bucket is never stored.
 */
export interface BucketState {
  tokens: number;
  /** When `tokens` was computed (ms). */
  updatedAt: number;
}

/** Float slack: a bucket refilled for exactly retryAfterMs must afford the cost. */
export const EPSILON = 1e-9;

/** Points in the bucket at `now`: refilled by elapsed time, never above capacity. A missing bucket is full. */
export function tokensAt(state: BucketState | undefined, tier: Tier, now: number): number {
  if (!state) return tier.capacity;
  const elapsed = Math.max(0, now - state.updatedAt);
  return Math.min(tier.capacity, state.tokens + (elapsed * tier.refillPerSecond) / 1000);
}

/** The state to keep for `tokens` points at `now`; undefined when full. */
export function stateFor(tokens: number, tier: Tier, now: number): BucketState | undefined {
  return tokens >= tier.capacity - EPSILON ? undefined : { tokens, updatedAt: now };
}

/** ms until the bucket holding `tokens` is full. */
export function msUntilFull(tokens: number, tier: Tier): number {
  return tokens >= tier.capacity - EPSILON ? 0 : Math.ceil(((tier.capacity - tokens) * 1000) / tier.refillPerSecond);
}

/**
 * A refusal's retryAfterMs is 0 only when the points are there and something
 * else refused (a subscription over the slot cap).
 */
export function decisionFor(tier: Tier, tokens: number, cost: number, allowed: boolean): Decision {
  let retryAfterMs = 0;
  if (!allowed) retryAfterMs = cost > tier.capacity ? NEVER : Math.max(0, Math.ceil(((cost - tokens) * 1000) / tier.refillPerSecond));
  return {
    allowed,
    remaining: Math.floor(tokens + EPSILON),
    capacity: tier.capacity,
    refillPerSecond: tier.refillPerSecond,
    retryAfterMs,
    resetMs: msUntilFull(tokens, tier),
  };
}

/** Takes `cost` points if the bucket holds them, else nothing. */
export function debitBucket(
  state: BucketState | undefined,
  tier: Tier,
  cost: number,
  now: number,
): { decision: Decision; state: BucketState | undefined } {
  const tokens = tokensAt(state, tier, now);
  if (cost > tier.capacity || tokens + EPSILON < cost) return { decision: decisionFor(tier, tokens, cost, false), state };
  const left = Math.max(0, tokens - cost);
  return { decision: decisionFor(tier, left, cost, true), state: stateFor(left, tier, now) };
}

/** Gives back positive `points` (never above capacity), takes negative ones (never below 0). */
export function settleBucket(state: BucketState | undefined, tier: Tier, points: number, now: number): BucketState | undefined {
  if (!state && points > 0) return undefined;
  return stateFor(Math.max(0, Math.min(tier.capacity, tokensAt(state, tier, now) + points)), tier, now);
}

/** Programming errors, reported instead of silently minting or ignoring points. */
export function assertTier(tier: Tier): void {
  if (!(Number.isFinite(tier.capacity) && tier.capacity > 0)) throw new RangeError(`tier ${tier.name}: capacity must be a positive number`);
  if (!(Number.isFinite(tier.refillPerSecond) && tier.refillPerSecond > 0)) {
    throw new RangeError(`tier ${tier.name}: refillPerSecond must be a positive number`);
  }
  if (!(Number.isInteger(tier.maxSubscriptions) && tier.maxSubscriptions >= 0)) {
    throw new RangeError(`tier ${tier.name}: maxSubscriptions must be a whole number >= 0`);
  }
}

export function assertCost(cost: number): void {
  if (!(Number.isFinite(cost) && cost >= 0)) throw new RangeError(`rate limit cost must be a finite number >= 0 (got ${cost})`);
}
