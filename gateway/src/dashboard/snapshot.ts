import type { Registry } from 'prom-client';
import type { ClientBudget } from './budgets';

/**
 * What /dashboard/metrics.json answers: the gateway's own metrics (its
 * prom-client registry, the same numbers /metrics serves), cumulative, so the
 * page computes rates and latencies from two successive readings; subgraph
 * breakers as /health reports them; per-client budgets.
 */
export interface DashboardSnapshot {
  /** ms since epoch when read. */
  at: number;
  pid: number;
  http: { requests: number };
  /** Per operation name and type: operations answered, their summed duration, by outcome. */
  operations: Array<{ name: string; type: string; count: number; seconds: number; outcomes: Record<string, number> }>;
  subgraphs: Array<{ name: string; state: string; instances: Array<{ url: string; state: string; inFlight: number }> }>;
  subscriptions: { active: number; connections: number; events: number; deliveries: number; groups: number };
  rateLimits: { enabled: boolean; debits: number; refusals: number; clients: ClientBudget[] };
  /** Entity cache hits and misses; null until the gateway has an entity cache (its series are absent). */
  cache: { hits: number; misses: number } | null;
}

export interface SnapshotSources {
  registry: Registry;
  subgraphs(): Record<string, { state: string; instances: Array<{ url: string; state: string; inFlight: number }> }>;
  budgets?(): ClientBudget[];
}

type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];
type Sample = MetricJson['values'][number] & { metricName?: string };

/** Entity-cache series the dashboard looks for (none exist yet: it shows "n/a" until one does). */
const CACHE_HITS = ['gateway_entity_cache_hits_total', 'gateway_cache_hits_total'];
const CACHE_MISSES = ['gateway_entity_cache_misses_total', 'gateway_cache_misses_total'];

export async function readSnapshot(sources: SnapshotSources): Promise<DashboardSnapshot> {
  const metrics = new Map((await sources.registry.getMetricsAsJSON()).map((metric) => [metric.name, metric.values as Sample[]]));
  const samples = (name: string, suffix = '') => (metrics.get(name) ?? []).filter((s) => suffix === '' || s.metricName === `${name}${suffix}`);
  const total = (name: string, suffix = '') => samples(name, suffix).reduce((sum, s) => sum + Number(s.value), 0);

  const operations = new Map<string, DashboardSnapshot['operations'][number]>();
  const operationOf = (labels: Sample['labels']) => {
    const name = String(labels.operation_name ?? '') || '(anonymous)';
    const type = String(labels.operation_type ?? 'unknown');
    const key = `${type} ${name}`;
    let entry = operations.get(key);
    if (!entry) operations.set(key, (entry = { name, type, count: 0, seconds: 0, outcomes: {} }));
    return entry;
  };
  for (const sample of samples('graphql_operation_duration_seconds', '_count')) {
    const entry = operationOf(sample.labels);
    entry.count += Number(sample.value);
    const outcome = String(sample.labels.outcome ?? 'unknown');
    entry.outcomes[outcome] = (entry.outcomes[outcome] ?? 0) + Number(sample.value);
  }
  for (const sample of samples('graphql_operation_duration_seconds', '_sum')) operationOf(sample.labels).seconds += Number(sample.value);

  const hits = CACHE_HITS.find((name) => metrics.has(name));
  const misses = CACHE_MISSES.find((name) => metrics.has(name));
  return {
    at: Date.now(),
    pid: process.pid,
    http: { requests: total('http_server_request_duration_seconds', '_count') },
    operations: [...operations.values()].sort((a, b) => b.count - a.count),
    subgraphs: Object.entries(sources.subgraphs()).map(([name, health]) => ({ name, state: health.state, instances: health.instances })),
    subscriptions: {
      active: total('gateway_subscriptions_active'),
      connections: total('gateway_subscriptions_ws_connections'),
      events: total('gateway_subscriptions_events_total'),
      deliveries: total('gateway_subscriptions_deliveries_total'),
      groups: total('gateway_subscriptions_groups'),
    },
    rateLimits: {
      enabled: sources.budgets !== undefined,
      debits: total('gateway_ratelimit_debits_total'),
      refusals: total('gateway_ratelimit_refusals_total'),
      clients: sources.budgets?.() ?? [],
    },
    cache: hits && misses ? { hits: total(hits), misses: total(misses) } : null,
  };
}
