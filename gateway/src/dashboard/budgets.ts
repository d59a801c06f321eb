import type { Decision, RateLimiter, Tier } from '../ratelimit';

/** A client's rate-limit budget as its last debit left it. */
export interface ClientBudget {
  /** The limiter's key: `sub:<subject>`, `key:<api key name>` or `ip:<address>`. */
  client: string;
  tier: string;
  capacity: number;
  /** Points left now: what the last decision left, refilled since at the tier's rate (capped at capacity). */
  remaining: number;
  refillPerSecond: number;
  /** Debits refused since this process first saw the client. */
  refusals: number;
  lastSeenMs: number;
}

interface Seen {
  tier: Tier;
  remaining: number;
  at: number;
  refusals: number;
}

/**
 * The dashboard's view of per-client budgets: a limiter that forwards every
 * call and remembers what the last one decided for each client, for the most
 * recently active `maxClients` clients (bounded; the buckets themselves stay
 * in the limiter's store, Redis or this process). With several replicas each
 * shows the clients it served, with the shared bucket's level at that time.
 */
export class BudgetBook {
  /** In insertion order, most recent last: re-inserting moves a client to the end, the first is the one evicted. */
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly maxClients = 50,
    private readonly now: () => number = Date.now,
  ) {}

  /** `limiter`, recording each decision here. */
  watch(limiter: RateLimiter): RateLimiter {
    const record = (key: string, tier: Tier, decision: Decision) => {
      const previous = this.seen.get(key);
      this.seen.delete(key);
      this.seen.set(key, { tier, remaining: decision.remaining, at: this.now(), refusals: (previous?.refusals ?? 0) + (decision.allowed ? 0 : 1) });
      if (this.seen.size > this.maxClients) this.seen.delete(this.seen.keys().next().value!);
    };
    return {
      async debit(key, tier, cost) {
        const decision = await limiter.debit(key, tier, cost);
        record(key, tier, decision);
        return decision;
      },
      settle: (key, tier, points) => {
        const entry = this.seen.get(key);
        if (entry) entry.remaining = Math.max(0, Math.min(tier.capacity, entry.remaining + points));
        return limiter.settle(key, tier, points);
      },
      async startSubscription(key, tier, cost) {
        const start = await limiter.startSubscription(key, tier, cost);
        record(key, tier, start.decision);
        return start;
      },
      health: () => limiter.health(),
      stats: () => limiter.stats(),
      close: () => limiter.close(),
    };
  }

  /** The clients seen, most recently active first. */
  list(): ClientBudget[] {
    const now = this.now();
    const budgets: ClientBudget[] = [];
    for (const [client, seen] of this.seen.entries()) {
      const refilled = seen.remaining + ((now - seen.at) / 1000) * seen.tier.refillPerSecond;
      budgets.push({
        client,
        tier: seen.tier.name,
        capacity: seen.tier.capacity,
        remaining: Math.floor(Math.min(seen.tier.capacity, refilled)),
        refillPerSecond: seen.tier.refillPerSecond,
        refusals: seen.refusals,
        lastSeenMs: seen.at,
      });
    }
    return budgets.sort((a, b) => b.lastSeenMs - a.lastSeenMs);
  }
}
