import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from '../traffic/observer';

/** How an operation ended, as `graphql_operation_duration_seconds` labels it. */
export type OperationOutcome = 'success' | 'refused' | 'error' | 'partial';

/** The label value of operations past the cap of distinct names. */
export const OTHER_OPERATIONS = '__other__';

/** OpenTelemetry's advised buckets for `http.server.request.duration`, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const COST_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];

/** `gateway_subgraph_breaker_state` values. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface GatewayMetricsOptions {
  /** Distinct operation names kept as label values; later names count as `__other__`. */
  maxOperationNames: number;
}

/** What the gateway's other parts count themselves; read at scrape time. */
export interface MetricSources {
  limiter?: {
    stats(): { debits: number; refusals: number; fallbacks: number };
    health(): { store: string; degraded: boolean };
  };
  /** Redis is configured (`redisUrl`): its connectivity is reported. */
  redisConfigured: boolean;
  /** The subscription engine's counters, when subscriptions are on. */
  subscriptions?(): { events: number; enrichments: number; deliveries: number; groups: number; channels: number } | undefined;
  webSockets?(): { connections: number; operations: number; slowConsumerCloses: number } | undefined;
  eventStreams?(): { streams: number; slowConsumerCloses: number } | undefined;
}

/**
 * The gateway's Prometheus metrics on prom-client, in a registry of its own
 * (never prom-client's global one: tests run several gateways in a process).
 * What the gateway does per request is observed as it happens; what other
 * parts already count (rate limiter, subscription engine, transports) is read
 * from them when scraped. Names follow OpenTelemetry's HTTP semantic
 * conventions (`http_server_request_duration_seconds`) where one exists.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  private readonly httpDuration: Histogram<'http_request_method' | 'http_response_status_code' | 'http_route'>;
  private readonly operationDuration: Histogram<'operation_name' | 'operation_type' | 'outcome'>;
  private readonly costEstimated: Histogram<'operation_type'>;
  private readonly costActual: Histogram<'operation_type'>;
  private readonly fetchDuration: Histogram<'subgraph'>;
  private readonly fetchAttempts: Counter<'subgraph'>;
  private readonly fetchRetries: Counter<'subgraph'>;
  private readonly fetchErrors: Counter<'subgraph' | 'code'>;
  private readonly fetchDeduplicated: Counter<'subgraph'>;
  private readonly fetchShortCircuited: Counter<'subgraph'>;
  private readonly breakerState: Gauge<'subgraph' | 'instance'>;

  constructor(private readonly options: GatewayMetricsOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP requests served, from the request to the end of the answer (an SSE stream lasts as long as its stream).',
      labelNames: ['http_request_method', 'http_response_status_code', 'http_route'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.operationDuration = new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operations by name (validated operations only, at most telemetry.metrics.maxOperationNames names, then __other__), type and outcome (success, partial, refused, error).',
      labelNames: ['operation_name', 'operation_type', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.costEstimated = new Histogram({
      name: 'gateway_operation_cost_estimated',
      help: 'Estimated cost of the operations executed.',
      labelNames: ['operation_type'],
      buckets: COST_BUCKETS,
      registers,
    });
    this.costActual = new Histogram({
      name: 'gateway_operation_cost_actual',
      help: 'Actual cost of the operations executed (what was settled).',
      labelNames: ['operation_type'],
      buckets: COST_BUCKETS,
      registers,
    });
    this.fetchDuration = new Histogram({
      name: 'gateway_subgraph_fetch_duration_seconds',
      help: 'Duration of each subgraph request attempt, by subgraph.',
      labelNames: ['subgraph'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.fetchAttempts = new Counter({ name: 'gateway_subgraph_fetch_attempts_total', help: 'Subgraph request attempts sent (first tries and retries).', labelNames: ['subgraph'], registers });
    this.fetchRetries = new Counter({ name: 'gateway_subgraph_fetch_retries_total', help: 'Subgraph request attempts that were retries.', labelNames: ['subgraph'], registers });
    this.fetchErrors = new Counter({
      name: 'gateway_subgraph_fetch_errors_total',
      help: 'Subgraph request attempts that failed, by code (SUBREQUEST_HTTP_ERROR...).',
      labelNames: ['subgraph', 'code'],
      registers,
    });
    this.fetchDeduplicated = new Counter({
      name: 'gateway_subgraph_fetch_deduplicated_total',
      help: 'Subgraph fetches answered by an identical one in flight (no request sent).',
      labelNames: ['subgraph'],
      registers,
    });
    this.fetchShortCircuited = new Counter({
      name: 'gateway_subgraph_fetch_short_circuited_total',
      help: 'Subgraph fetches refused without a request because the circuit was open.',
      labelNames: ['subgraph'],
      registers,
    });
    this.breakerState = new Gauge({
      name: 'gateway_subgraph_breaker_state',
      help: 'Circuit breaker state per subgraph instance: 0 closed, 1 half-open, 2 open.',
      labelNames: ['subgraph', 'instance'],
      registers,
    });
  }

  /** Prometheus text exposition of everything. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ http_request_method: method, http_response_status_code: status, http_route: route }, seconds);
  }

  operation(type: string | undefined, name: string | undefined, outcome: OperationOutcome, seconds: number): void {
    this.operationDuration.observe({ operation_name: this.boundedName(type, name), operation_type: type ?? 'unknown', outcome }, seconds);
  }

  cost(type: string, estimated: number, actual: number): void {
    this.costEstimated.observe({ operation_type: type }, estimated);
    this.costActual.observe({ operation_type: type }, actual);
  }

  fetchAttempt(subgraph: string, attempt: number): void {
    this.fetchAttempts.inc({ subgraph });
    if (attempt > 1) this.fetchRetries.inc({ subgraph });
  }

  fetchFinished(subgraph: string, seconds: number, errorCode: string | undefined): void {
    this.fetchDuration.observe({ subgraph }, seconds);
    if (errorCode) this.fetchErrors.inc({ subgraph, code: errorCode });
  }

  fetchDeduplicatedHit(subgraph: string): void {
    this.fetchDeduplicated.inc({ subgraph });
  }

  fetchShortCircuit(subgraph: string): void {
    this.fetchShortCircuited.inc({ subgraph });
  }

  breaker(subgraph: string, instance: string, state: BreakerState): void {
    this.breakerState.set({ subgraph, instance }, BREAKER_STATE_VALUE[state]);
  }

  /**
   * Names only for operations that validated (the pipeline names them), and
   * at most `maxOperationNames` of them: a client sending a new name per
   * request cannot grow the label set without bound.
   */
  private boundedName(type: string | undefined, name: string | undefined): string {
    if (type === undefined || name === undefined) return '';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= this.options.maxOperationNames) return OTHER_OPERATIONS;
    this.operationNames.add(name);
    return name;
  }

  /** Counters and gauges the rest of the gateway keeps, read at scrape time. Call once. */
  watch(sources: MetricSources): void {
    const registers = [this.registry];
    const { limiter } = sources;
    if (limiter) {
      const fromLimiter = (name: string, help: string, read: (s: ReturnType<NonNullable<MetricSources['limiter']>['stats']>) => number) =>
        new Counter({
          name,
          help,
          registers,
          collect() {
            this.reset();
            this.inc(read(limiter.stats()));
          },
        });
      fromLimiter('gateway_ratelimit_debits_total', 'Operations charged to a client budget.', (s) => s.debits);
      fromLimiter('gateway_ratelimit_refusals_total', 'Operations refused for lack of budget or subscription slots.', (s) => s.refusals);
      fromLimiter('gateway_ratelimit_fallbacks_total', 'Limiter calls answered in-process because Redis was unavailable.', (s) => s.fallbacks);
      new Gauge({
        name: 'gateway_ratelimit_degraded',
        help: '1 while Redis is configured but unavailable to the limiter.',
        registers,
        collect() {
          this.set(limiter.health().degraded ? 1 : 0);
        },
      });
      if (sources.redisConfigured) {
        new Gauge({
          name: 'gateway_redis_connected',
          help: '1 while the rate limiter reaches Redis, 0 while it answers from memory instead.',
          registers,
          collect() {
            const health = limiter.health();
            this.set(health.store === 'redis' && !health.degraded ? 1 : 0);
          },
        });
      }
    }
    const { subscriptions, webSockets, eventStreams } = sources;
    if (subscriptions) {
      const fromEngine = (kind: 'counter' | 'gauge', name: string, help: string, key: keyof NonNullable<ReturnType<NonNullable<MetricSources['subscriptions']>>>) => {
        const read = () => subscriptions()?.[key] ?? 0;
        if (kind === 'counter') {
          new Counter({
            name,
            help,
            registers,
            collect() {
              this.reset();
              this.inc(read());
            },
          });
        } else {
          new Gauge({
            name,
            help,
            registers,
            collect() {
              this.set(read());
            },
          });
        }
      };
      fromEngine('counter', 'gateway_subscriptions_events_total', 'Events received from the event bus.', 'events');
      fromEngine('counter', 'gateway_subscriptions_enrichments_total', 'Enrichments run (one per subscriber group and event).', 'enrichments');
      fromEngine('counter', 'gateway_subscriptions_deliveries_total', 'Events delivered to subscribers.', 'deliveries');
      fromEngine('gauge', 'gateway_subscriptions_groups', 'Subscriber groups (operation, variables, authorization context).', 'groups');
      fromEngine('gauge', 'gateway_subscriptions_channels', 'Event channels followed.', 'channels');
    }
    if (webSockets) {
      new Gauge({
        name: 'gateway_subscriptions_ws_connections',
        help: 'Open graphql-ws WebSocket connections.',
        registers,
        collect() {
          this.set(webSockets()?.connections ?? 0);
        },
      });
    }
    if (webSockets || eventStreams) {
      new Gauge({
        name: 'gateway_subscriptions_active',
        help: 'Operations running over a stream: graphql-ws operations and SSE streams, by transport.',
        labelNames: ['transport'],
        registers,
        collect() {
          if (webSockets) this.set({ transport: 'ws' }, webSockets()?.operations ?? 0);
          if (eventStreams) this.set({ transport: 'sse' }, eventStreams()?.streams ?? 0);
        },
      });
      new Counter({
        name: 'gateway_subscriptions_slow_consumer_closes_total',
        help: 'Connections cut because their client read too slowly (outgoing buffer over its limit), by transport.',
        labelNames: ['transport'],
        registers,
        collect() {
          this.reset();
          if (webSockets) this.inc({ transport: 'ws' }, webSockets()?.slowConsumerCloses ?? 0);
          if (eventStreams) this.inc({ transport: 'sse' }, eventStreams()?.slowConsumerCloses ?? 0);
        },
      });
    }
  }
}
