/**
 * What `npm run bench` compares. Each target is one row per scenario in the
 * result table, compared with the baseline. A variant (auth on, rate limiter
 * off, our gateway with the default fetcher, ...) is one more entry here,
 * usually `gatewayProcess({ ...ours, name, env })` with its own settings.
 */
import { join } from 'node:path';
import { ROOT, type ServiceGroup } from '../scripts/start';
import { BENCH_IDENTITY_ENV, BENCH_JWT_SECRET } from './lib/auth';
import { pinProcess } from './lib/cpu-pinning';
import { graphqlClient, type RunAudit } from './lib/interleave';
import type { BenchRequest, RunResult } from './lib/load';
import { findChildProcess } from './lib/proc';
import type { OtlpSink } from './lib/otlp-sink';
import type { BenchRedis } from './lib/redis';
import { benchEnv, freePort } from './lib/stack';

export interface TargetContext {
  /** The composed supergraph, routed to the benchmark's subgraphs. */
  supergraphPath: string;
  /** Every process a target starts joins it, so it is stopped with the rest. */
  group: ServiceGroup;
  /** The run's redis-server, started on the first call; stopped after the group. */
  redis(): Promise<BenchRedis>;
  /** The run's OTLP sink (a collector that discards), started on the first call; stopped after the group. */
  otlpSink(): Promise<OtlpSink>;
  /** Pin the target's process (every thread) to this CPU once it is ready; undefined: leave it on every CPU. */
  cpu?: number;
  /** Profile the target's process for the whole run into this directory (lib/cpu-profile-preload.ts). */
  cpuProfileDir?: string;
}

/** A running GraphQL endpoint under test. */
export interface StartedTarget {
  /** The GraphQL URL, e.g. http://127.0.0.1:43210/graphql. */
  url: string;
  /** The process serving it (memory, CPU affinity). */
  pid: number;
  stop(): Promise<void>;
  /**
   * Checks that a measured run exercised what the target claims to measure:
   * called just before the run, the function it returns just after it.
   */
  audit?(request: BenchRequest): Promise<(run: RunResult) => Promise<RunAudit>>;
}

export interface Target {
  name: string;
  description: string;
  start(context: TargetContext): Promise<StartedTarget>;
}

interface GatewayProcessOptions {
  name: string;
  description: string;
  /** Compiled entry point relative to the repository root. */
  entry: string;
  args: (port: number, supergraphPath: string) => string[];
  /** Added to the benchmark's minimal environment (NODE_ENV=production, LOG_LEVEL=warn). */
  env?: Record<string, string>;
  /** GET `path` answers 200 once the gateway can serve. */
  readyPath: string;
  readyHeaders?: Record<string, string>;
  /**
   * Where our gateway's rate limiter keeps its buckets, checked on GET /health
   * once it is ready (`none`: no limiter). `redis` also sets REDIS_URL to the
   * run's redis-server and audits every measured run.
   */
  limiterStore?: LimiterStore;
  /** Trace every request (sampling 1.0) and export the spans to the run's OTLP sink; each measured run must have exported. */
  traced?: boolean;
  /** The entity cache is on: each measured run reports its hit rate, read from the target's /metrics. */
  entityCache?: boolean;
  /**
   * The entity cache's entries in the run's redis-server (REDIS_URL). The
   * limiter's buckets move there too; its audit is left to ours-redis-limits
   * (a busy gateway answers some limiter calls in-process, which says
   * nothing about the cache).
   */
  sharedCache?: boolean;
}

type LimiterStore = 'memory' | 'redis' | 'none';

/** A gateway run as its own process on a free port, serving /graphql. */
export function gatewayProcess(options: GatewayProcessOptions): Target {
  return {
    name: options.name,
    description: options.description,
    async start({ supergraphPath, group, redis: startRedis, otlpSink, cpu, cpuProfileDir }) {
      const port = await freePort();
      const redis = options.limiterStore === 'redis' || options.sharedCache ? await startRedis() : undefined;
      const sink = options.traced ? await otlpSink() : undefined;
      const tracing = sink && { GATEWAY_TRACING_ENABLED: 'true', GATEWAY_TRACING_SAMPLE_RATIO: '1', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url };
      const service = await group.start({
        name: options.name,
        entry: options.entry,
        args: options.args(port, supergraphPath),
        env: benchEnv({ ...options.env, ...tracing, ...(redis && { REDIS_URL: redis.url }), ...(cpuProfileDir && cpuProfileEnv(options.name, cpuProfileDir)) }),
        readyUrl: `http://127.0.0.1:${port}${options.readyPath}`,
        readyHeaders: options.readyHeaders,
      });
      const pid = findChildProcess([join(ROOT, options.entry), String(port)]);
      if (pid === undefined) throw new Error(`${options.name}: cannot find its process (node ${options.entry} ... ${port}) among this process's children`);
      if (cpu !== undefined) pinProcess(pid, cpu);
      const origin = `http://127.0.0.1:${port}`;
      if (options.limiterStore) await waitForLimiterStore(options.name, origin, options.sharedCache ? 'redis' : options.limiterStore);
      const audits = [
        ...(redis && !options.sharedCache ? [(request: BenchRequest) => auditRedisLimiter(redis, `${origin}/graphql`, request)] : []),
        ...(sink ? [async () => auditExports(sink)] : []),
        ...(options.entityCache ? [() => auditCacheHits(origin)] : []),
      ];
      return {
        url: `${origin}/graphql`,
        pid,
        stop: async () => void (await service.stop()),
        ...(audits.length > 0 && { audit: (request: BenchRequest) => combineAudits(audits.map((audit) => audit(request))) }),
      };
    },
  };
}

/** Loads lib/cpu-profile-preload.ts into the target's node (Node refuses --cpu-prof in NODE_OPTIONS; --require it takes). */
function cpuProfileEnv(name: string, dir: string): Record<string, string> {
  return { NODE_OPTIONS: `--require "${join(ROOT, 'dist/bench/lib/cpu-profile-preload.js')}"`, BENCH_CPU_PROF_DIR: dir, BENCH_CPU_PROF_NAME: name };
}

/**
 * Waits until /health reports the limiter store the target is meant to
 * measure: a gateway whose Redis limiter has not connected answers from
 * memory (silently, by design), which would measure the wrong thing.
 */
async function waitForLimiterStore(name: string, origin: string, expected: LimiterStore): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(2_000) });
    const health = (await res.json()) as { rateLimiter?: { store: string; degraded: boolean } };
    const store = health.rateLimiter?.store ?? 'none';
    if (store === expected) return;
    if (Date.now() > deadline) {
      throw new Error(`${name}: GET /health reports rate limiter ${JSON.stringify(health.rateLimiter ?? null)}, expected store "${expected}"`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The Redis limiter falls back to in-process buckets whenever Redis is slower
 * than its command timeout, and says so only in a log line; a run where that
 * happened did not measure Redis rate limiting. So before each run one request
 * shows how many script calls an answer costs (a debit, plus a refund when the
 * actual cost is smaller), and after it Redis must have served at least that
 * many per response (requests still in flight at the end only add to it).
 */
async function auditRedisLimiter(redis: BenchRedis, url: string, request: BenchRequest): Promise<(run: RunResult) => Promise<RunAudit>> {
  const beforeProbe = await redis.scriptCalls();
  await graphqlClient(url, request.headers)(request.body);
  await new Promise((r) => setTimeout(r, 50)); // the refund is sent as the answer goes out
  const before = await redis.scriptCalls();
  const perResponse = before - beforeProbe;
  return async (run) => {
    const calls = (await redis.scriptCalls()) - before;
    const note = `Redis ${(calls / Math.max(1, run.responses)).toFixed(2)} script calls/response`;
    if (perResponse < 1) return { note, problem: `one request made ${perResponse} Redis script calls before the run: the limiter is not using Redis` };
    const missing = run.responses * perResponse - calls;
    if (missing > 0) {
      return { note, problem: `about ${missing} limiter call(s) were answered in-process instead of by Redis (an answer later than the limiter's command timeout: Redis slow, or the gateway's event loop too busy to read it in time): not a Redis measurement` };
    }
    return { note };
  };
}

/** Several checks of one run: every note, and the first problem. */
async function combineAudits(started: Array<Promise<(run: RunResult) => Promise<RunAudit>>>): Promise<(run: RunResult) => Promise<RunAudit>> {
  const finishers = await Promise.all(started);
  return async (run) => {
    const audits = await Promise.all(finishers.map((finish) => finish(run)));
    const notes = audits.map((a) => a.note).filter(Boolean);
    const problem = audits.find((a) => a.problem)?.problem;
    return { ...(notes.length > 0 && { note: notes.join('  ') }), ...(problem && { problem }) };
  };
}

/**
 * A cached target's hit rate over one run, from its own /metrics (entity and
 * root-field answers served from the cache over those looked up). A run
 * without lookups did not exercise the cache: invalid.
 */
async function auditCacheHits(origin: string): Promise<(run: RunResult) => Promise<RunAudit>> {
  const before = await entityCacheCounters(origin);
  return async () => {
    const after = await entityCacheCounters(origin);
    const hits = after.hits - before.hits;
    const lookups = hits + after.misses - before.misses;
    const note = `cache hit rate ${lookups > 0 ? ((100 * hits) / lookups).toFixed(1) : 'n/a'}% of ${lookups.toLocaleString('en-US')} lookups`;
    return lookups > 0 ? { note } : { note, problem: 'no entity cache lookups during the run: the cache is not on' };
  };
}

/** Sums of gateway_entity_cache_hits_total and _misses_total over their labels. */
export async function entityCacheCounters(origin: string): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const total = (name: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return { hits: total('gateway_entity_cache_hits_total'), misses: total('gateway_entity_cache_misses_total') };
}

/** A traced run must have sent its spans: at least one export reached the sink while it ran (the batch processor exports every 5 s or 512 spans). */
function auditExports(sink: OtlpSink): (run: RunResult) => Promise<RunAudit> {
  const before = sink.exports();
  return async (run) => {
    const exports = sink.exports() - before;
    const note = `OTLP ${exports} export request(s)`;
    if (run.responses > 0 && exports === 0) return { note, problem: 'tracing was on but no span export reached the OTLP sink during the run' };
    return { note };
  };
}

/**
 * Rate-limit budgets no run can exhaust, for every `ours*` target: the limiter
 * does all its work (cost, debit, refund) yet never throttles (a 429 would
 * make the run invalid anyway).
 */
const UNTHROTTLED_TIER = { capacity: 1e12, refillPerSecond: 1e12, maxSubscriptions: 1_000 };
const UNTHROTTLED_TIERS = JSON.stringify({ anonymous: UNTHROTTLED_TIER, authenticated: UNTHROTTLED_TIER });
/**
 * Above every scenario's estimated cost (deep-federated: 2,352, over
 * the default limit of 1,000), so cost analysis does all its work on every
 * request yet refuses none: stock Apollo Gateway has no such limit.
 */
const UNREFUSED_MAX_COST = '1000000';

const ours: GatewayProcessOptions = {
  name: 'ours',
  description: 'our gateway (dist/gateway/src/main.js), defaults (native executor, cost analysis, in-memory rate limiter) with unthrottled budgets and no cost limit',
  entry: 'dist/gateway/src/main.js',
  args: (port: number, supergraphPath: string) => ['--supergraph', supergraphPath, '--port', String(port), '--host', '127.0.0.1'],
  env: {
    ...BENCH_IDENTITY_ENV.gateway,
    JWT_SECRET: BENCH_JWT_SECRET,
    GATEWAY_RATE_LIMIT_TIERS: UNTHROTTLED_TIERS,
    GATEWAY_MAX_COST: UNREFUSED_MAX_COST,
    // Every benchmark request is identical: sharing in-flight subgraph fetches would measure that, not the gateway.
    GATEWAY_SUBGRAPH_DEDUP: 'false',
    // Uncached, as every earlier run measured it: the cached targets below are the entity cache's rows.
    GATEWAY_ENTITY_CACHE_ENABLED: 'false',
  },
  readyPath: '/ready',
  limiterStore: 'memory',
};

/** Our gateway with @apollo/gateway's executeQueryPlan instead of our executor: what the native executor is worth. */
const oursApollo: GatewayProcessOptions = {
  ...ours,
  name: 'ours-apollo',
  description: "ours with GATEWAY_EXECUTION_ENGINE=apollo: @apollo/gateway's executeQueryPlan instead of the native executor",
  env: { ...ours.env, GATEWAY_EXECUTION_ENGINE: 'apollo' },
};

/**
 * Our gateway sharing its buckets in Redis like a multi-replica deployment:
 * one Lua round trip per debit, one more per refund. REDIS_URL also moves the
 * gateway's subscription event source to Redis pub/sub, idle in these
 * query-only scenarios.
 */
const oursRedisLimits: GatewayProcessOptions = {
  ...ours,
  name: 'ours-redis-limits',
  description: "ours with the rate limiter's buckets in the run's redis-server (REDIS_URL; redis-server runs beside the subgraphs)",
  limiterStore: 'redis',
};

/**
 * Ours with every telemetry on: each request traced (sampling 1.0: a server
 * span, stage spans, a span per subgraph attempt, traceparent to the
 * subgraphs) and exported over OTLP/HTTP to a sink in the bench process;
 * metrics and logs are the same as `ours` (always on).
 */
const oursTelemetry: GatewayProcessOptions = {
  ...ours,
  name: 'ours-telemetry',
  description: 'ours with tracing on (GATEWAY_TRACING_ENABLED, sample ratio 1.0) exporting OTLP/HTTP to a discarding sink',
  traced: true,
};

/** Our gateway without cost analysis, operation limits or rate limiting: what those cost. */
const oursNoLimits: GatewayProcessOptions = {
  ...ours,
  name: 'ours-no-limits',
  description: 'ours with GATEWAY_COST_ENABLED=false: no cost analysis, operation limits or rate limiting',
  env: { ...ours.env, GATEWAY_COST_ENABLED: 'false' },
  limiterStore: 'none',
};

/**
 * Ours with the entity cache on (memory store), measured warm: the warm-up
 * run fills it, and each measured run reports its hit rate. Stock entries
 * live 5 s, products 60 s (schemas' hints), so a run still asks the
 * subgraphs once in a while.
 */
const oursCached: GatewayProcessOptions = {
  ...ours,
  name: 'ours-cached',
  description: 'ours with the entity cache on (in-process store), warm: hit rate per run from its /metrics',
  env: { ...ours.env, GATEWAY_ENTITY_CACHE_ENABLED: 'true' },
  entityCache: true,
};

/**
 * The same with entries in the run's redis-server, as replicas share them:
 * one MGET per lookup. REDIS_URL also moves its rate-limit buckets to
 * Redis (not audited here) and its event source (the benchmark's subgraphs
 * are embedded, so no events reach it: its own mutation answers invalidate
 * what it writes).
 */
const oursCachedRedis: GatewayProcessOptions = {
  ...oursCached,
  name: 'ours-cached-redis',
  description: "ours-cached with the entries (and rate-limit buckets) in the run's redis-server",
  env: { ...oursCached.env, GATEWAY_ENTITY_CACHE_STORE: 'redis' },
  sharedCache: true,
};

const stock: GatewayProcessOptions = {
  name: 'stock',
  description: 'stock @apollo/gateway + @apollo/server startStandaloneServer, defaults (bench/stock-gateway.ts)',
  entry: 'dist/bench/stock-gateway.js',
  args: (port: number, supergraphPath: string) => ['--supergraph', supergraphPath, '--port', String(port)],
  env: { ...BENCH_IDENTITY_ENV.gateway },
  // Apollo Server has no health route; a CSRF-safe GET of `{ __typename }` answers 200 once it serves.
  readyPath: '/graphql?query=%7B__typename%7D',
  readyHeaders: { 'apollo-require-preflight': 'true' },
};

/** Stock Apollo Gateway with only the subgraph fetcher swapped for ours: what keep-alive pooling alone is worth. */
const stockPooled: GatewayProcessOptions = {
  ...stock,
  name: 'stock-pooled',
  description: 'the stock gateway with our keep-alive PooledDataSource as its only change (--pooled-fetcher)',
  args: (port: number, supergraphPath: string) => [...stock.args(port, supergraphPath), '--pooled-fetcher'],
};

/** Ratios in the table are against this target. */
export const BASELINE = stock.name;

export const TARGETS: Target[] = [ours, oursCached, oursCachedRedis, oursTelemetry, oursApollo, oursRedisLimits, oursNoLimits, stockPooled, stock].map(gatewayProcess);
