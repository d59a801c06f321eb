import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Caller } from '../auth/caller';
import { CostAnalyzer, CostLimitError, readCostPolicy, type CostOptions, type OperationCost } from '../cost';
import { NEVER, clientKey, pickTier, type Decision, type RateLimiter, type Tier, type TierRules } from '../ratelimit';
import { refusal, requestErrors } from './refusal';

export const RATE_LIMITED = 'RATE_LIMITED';
/** The estimate is more than the caller's whole bucket: waiting never helps, so it is a 400, not a 429. */
export const COST_EXCEEDS_CAPACITY = 'COST_EXCEEDS_RATE_LIMIT_CAPACITY';

export interface AdmissionOptions {
  supergraphSdl: string;
  schema: GraphQLSchema;
  cost: CostOptions;
  /** Absent: cost is measured and reported, nobody is charged (`rateLimit.enabled` false, or `measure` mode). */
  limiter?: RateLimiter;
  tiers: TierRules;
}

/** What an admitted operation was charged, kept until its answer is written. */
export interface Charge {
  readonly cost: OperationCost;
  /** Points taken from the bucket: the estimate, at least 1. */
  readonly points: number;
  readonly tier?: Tier;
  readonly key?: string;
  readonly decision?: Decision;
}

/** What the answer reports: `extensions.cost` and the RateLimit-* headers. */
export interface Settlement {
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

/**
 * Stage 4, cost and admission: the estimate of the (authorized) operation,
 * the cost limit, then the debit from the caller's bucket — the last check
 * before planning, so a refused operation is never charged. Every admitted
 * operation pays at least 1 point (`{ __typename }` floods are not free);
 * after execution the charge is settled to the actual cost (from the list
 * sizes really returned): the difference is given back, or, for lists whose
 * size the schema does not declare, taken (never below an empty bucket).
 */
export class Admission {
  private readonly analyzer: CostAnalyzer;
  private readonly tiers = new WeakMap<Caller, Tier>();

  constructor(private readonly options: AdmissionOptions) {
    this.analyzer = new CostAnalyzer(readCostPolicy(options.supergraphSdl, options.schema), options.schema, options.cost);
  }

  get limiter(): RateLimiter | undefined {
    return this.options.limiter;
  }

  /** The estimate, or the refusal (COST_ESTIMATED_TOO_EXPENSIVE, SLICING_ARGUMENT_REQUIRED; only in `enforce` mode). */
  estimate(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): OperationCost {
    try {
      return this.analyzer.analyze(document, operationName, variables);
    } catch (error) {
      if (error instanceof CostLimitError) throw requestErrors([error], error.code);
      throw error;
    }
  }

  /** Debits the estimate (at least 1 point) from the caller's bucket, or throws the refusal: nothing is taken then. */
  async charge(caller: Caller, clientIp: string, cost: OperationCost): Promise<Charge> {
    const points = Math.max(1, cost.estimated);
    const limiter = this.options.limiter;
    if (!limiter) return { cost, points };
    const tier = this.tierOf(caller);
    const key = this.keyOf(caller, clientIp);
    const decision = await limiter.debit(key, tier, points);
    if (!decision.allowed) throw rateLimited(decision, points, tier);
    return { cost, points, tier, key, decision };
  }

  /** Charges a subscription's cost and takes one of the client's concurrent-subscription slots; returns its release. */
  async startSubscription(caller: Caller, clientIp: string, cost: OperationCost): Promise<() => void> {
    const limiter = this.options.limiter;
    if (!limiter) return () => {};
    const points = Math.max(1, cost.estimated);
    const tier = this.tierOf(caller);
    const start = await limiter.startSubscription(this.keyOf(caller, clientIp), tier, points);
    if (!start.allowed) {
      if (start.reason === 'TOO_MANY_SUBSCRIPTIONS') {
        throw refusal(429, 'TOO_MANY_SUBSCRIPTIONS', `Too many concurrent subscriptions for this client (at most ${tier.maxSubscriptions} in tier "${tier.name}")`);
      }
      throw rateLimited(start.decision, points, tier);
    }
    return () => void start.release();
  }

  /** Settles a charge to the actual cost of `data`; what the answer reports about cost and budget. */
  settle(charge: Charge, data: Readonly<Record<string, unknown>> | null | undefined): Settlement {
    const actual = this.analyzer.actualCost(charge.cost, data);
    const { decision } = charge;
    if (!decision) return { extensions: costExtension(charge.cost.estimated, actual), headers: {} };
    // Positive: points given back; negative: taken for lists longer than the estimate assumed.
    const delta = charge.points - Math.max(1, actual);
    if (delta !== 0) void this.options.limiter!.settle(charge.key!, charge.tier!, delta);
    const remaining = Math.max(0, Math.min(decision.capacity, Math.floor(decision.remaining + delta)));
    return {
      extensions: costExtension(charge.cost.estimated, actual, {
        maximumAvailable: decision.capacity,
        currentlyAvailable: remaining,
        restoreRate: decision.refillPerSecond,
      }),
      headers: rateLimitHeaders(decision, remaining),
    };
  }

  /** The rate-limit headers of a charge before it is settled (an answer whose first part leaves before its cost is known). */
  chargeHeaders(charge: Charge): Record<string, string> {
    return charge.decision ? rateLimitHeaders(charge.decision, charge.decision.remaining) : {};
  }

  tierOf(caller: Caller): Tier {
    let tier = this.tiers.get(caller);
    if (!tier) this.tiers.set(caller, (tier = pickTier(caller, this.options.tiers)));
    return tier;
  }

  keyOf(caller: Caller, clientIp: string): string {
    return clientKey({ subject: caller.subject, apiKey: caller.apiKey?.name, ip: clientIp });
  }
}

function costExtension(estimated: number, actual: number, throttleStatus?: Record<string, number>): Record<string, unknown> {
  return { cost: { requestedQueryCost: estimated, actualQueryCost: actual, ...(throttleStatus && { throttleStatus }) } };
}

/** IETF-draft RateLimit headers: points, points left, seconds until full. */
function rateLimitHeaders(decision: Decision, remaining: number): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.capacity),
    'ratelimit-remaining': String(remaining),
    'ratelimit-reset': String(Math.ceil(decision.resetMs / 1000)),
  };
}

function rateLimited(decision: Decision, points: number, tier: Tier) {
  if (decision.retryAfterMs === NEVER) {
    return refusal(
      400,
      COST_EXCEEDS_CAPACITY,
      `This operation costs ${points} points, more than the ${decision.capacity} points a full budget of tier "${tier.name}" holds: it can never run for this client; ask for less (smaller pages, fewer fields)`,
      { extensions: { cost: points, capacity: decision.capacity, tier: tier.name } },
    );
  }
  const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  return refusal(429, RATE_LIMITED, `Rate limit exceeded: this operation costs ${points} points and ${decision.remaining} are available; retry in ${retryAfter} s`, {
    headers: { ...rateLimitHeaders(decision, decision.remaining), 'retry-after': String(retryAfter) },
    extensions: { retryAfterMs: decision.retryAfterMs },
  });
}
