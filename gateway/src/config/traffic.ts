import { z } from 'zod';

const positiveInt = z.number().int().positive();
const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * Traffic shaping towards subgraphs: `subgraphRequests` holds the defaults
 * for every subgraph, `subgraphs.<name>` overrides any of them for one.
 * Retries, breakers and deduplication are on by default.
 */
const RETRY_DEFAULTS = {
  enabled: true,
  maxAttempts: 3,
  baseDelayMs: 50,
  maxDelayMs: 1_000,
  /** A `Retry-After` longer than this is not waited for: the fetch fails at once. */
  maxRetryAfterMs: 2_000,
  budgetRatio: 0.2,
  minPerSecond: 5,
};
const retry = z
  .object({
    enabled: z.boolean(),
    maxAttempts: z.number().int().min(1).max(10),
    baseDelayMs: positiveInt,
    maxDelayMs: positiveInt,
    maxRetryAfterMs: z.number().int().min(0),
    budgetRatio: z.number().min(0).max(10),
    minPerSecond: z.number().min(0),
  })
  .partial()
  .strict();

const BREAKER_DEFAULTS = { enabled: true, failureThreshold: 5, windowMs: 10_000, openMs: 5_000 };
const breaker = z
  .object({ enabled: z.boolean(), failureThreshold: positiveInt, windowMs: positiveInt, openMs: positiveInt })
  .partial()
  .strict();

const TRAFFIC_DEFAULTS = {
  /** Time allowed for a subgraph's response headers, then between its body's chunks; a timed-out fetch is not retried. */
  timeoutMs: 30_000,
  /** Keep-alive connections kept open per subgraph instance. */
  maxConnectionsPerSubgraph: 128,
  loadBalancing: 'least-in-flight' as 'least-in-flight' | 'round-robin',
  /** Identical queries in flight (same body and caller identity) share one request. */
  dedup: true,
};
const shared = {
  timeoutMs: positiveInt,
  maxConnectionsPerSubgraph: positiveInt,
  loadBalancing: z.enum(['least-in-flight', 'round-robin']),
  dedup: z.boolean(),
  retry,
  breaker,
};

/** `subgraphRequests`: the defaults, resolved. */
export const SubgraphRequestsSchema = z
  .object(shared)
  .partial()
  .strict()
  .transform(({ retry: r, breaker: b, ...rest }) => ({
    ...TRAFFIC_DEFAULTS,
    ...rest,
    retry: { ...RETRY_DEFAULTS, ...r },
    breaker: { ...BREAKER_DEFAULTS, ...b },
  }))
  .prefault({});

/** `subgraphs.<name>`: its URL (or several instances' URLs) and any overrides of `subgraphRequests`. */
export const SubgraphOverridesSchema = z
  .record(
    z.string(),
    z
      .object({ url: httpUrl, urls: z.array(httpUrl).min(1), ...shared })
      .partial()
      .strict()
      .refine((o) => !(o.url && o.urls), { message: 'set url or urls, not both' }),
  )
  .default({});

export type SubgraphRequests = z.output<typeof SubgraphRequestsSchema>;
export type SubgraphOverride = z.output<typeof SubgraphOverridesSchema>[string];
/** Everything the fetch layer needs for one subgraph. */
export type TrafficPolicy = SubgraphRequests;

/** The policy of one subgraph: the defaults with its overrides laid over them. */
export function trafficPolicyOf(defaults: SubgraphRequests, override: SubgraphOverride | undefined): TrafficPolicy {
  if (!override) return defaults;
  const { url: _url, urls: _urls, retry: r, breaker: b, ...rest } = override;
  return { ...defaults, ...rest, retry: { ...defaults.retry, ...r }, breaker: { ...defaults.breaker, ...b } };
}
