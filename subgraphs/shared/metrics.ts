import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sendBody } from '../../lib/http/errors';
import type { RouteHandler } from '../../lib/http/routes';
import type { SubgraphName } from './ports';
import type { SubgraphStore } from './store';

/** OpenTelemetry's advised buckets for `http.server.request.duration`, in seconds (the gateway's too). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE']);

/**
 * What a subgraph exposes on `/metrics`, on prom-client in a registry of its
 * own (tests run several subgraphs in one process): GraphQL requests by
 * operation type and outcome, errors by code, refused identities, events
 * published and given up on by channel, the store's round trips (read from
 * the store's own stats at scrape time), HTTP request durations and Node
 * process metrics.
 */
export class SubgraphMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'subgraph' | 'operation_type' | 'outcome'>;
  private readonly errors: Counter<'subgraph' | 'code'>;
  private readonly refused: Counter<'subgraph' | 'reason'>;
  private readonly eventsPublished: Counter<'subgraph' | 'channel'>;
  private readonly httpDuration: Histogram<'http_request_method' | 'http_response_status_code' | 'http_route'>;

  constructor(
    private readonly subgraph: SubgraphName,
    store: SubgraphStore,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Counter({
      name: 'store_round_trips_total',
      help: 'Trips to the data store: one per call of the in-process store, one per network round trip to Redis.',
      labelNames: ['subgraph', 'store'],
      registers,
      collect() {
        this.reset();
        this.inc({ subgraph, store: store.kind }, store.stats.roundTrips);
      },
    });
    this.requests = new Counter({
      name: 'graphql_requests_total',
      help: 'GraphQL requests answered, by operation type and outcome.',
      labelNames: ['subgraph', 'operation_type', 'outcome'],
      registers,
    });
    this.errors = new Counter({ name: 'graphql_errors_total', help: 'GraphQL errors in answers, by extensions.code.', labelNames: ['subgraph', 'code'], registers });
    this.refused = new Counter({
      name: 'gateway_identity_refused_total',
      help: 'Requests answered 401 for lack of a valid gateway identity, by reason (missing, malformed, bad-signature, expired).',
      labelNames: ['subgraph', 'reason'],
      registers,
    });
    this.eventsPublished = new Counter({ name: 'events_published_total', help: 'Domain events published on the event bus, by channel.', labelNames: ['subgraph', 'channel'], registers });
    this.httpDuration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP requests served (an /events stream lasts as long as its stream).',
      labelNames: ['http_request_method', 'http_response_status_code', 'http_route'],
      buckets: DURATION_BUCKETS,
      registers,
    });
  }

  recordRequest(operationType: string, outcome: 'success' | 'error', errorCodes: string[]): void {
    this.requests.inc({ subgraph: this.subgraph, operation_type: operationType, outcome });
    for (const code of errorCodes) this.errors.inc({ subgraph: this.subgraph, code });
  }

  /** A request refused before execution (see gateway-auth): bad-signature usually means the secrets differ. */
  recordRefusedIdentity(reason: string): void {
    this.refused.inc({ subgraph: this.subgraph, reason });
  }

  recordEventPublished(channel: string): void {
    this.eventsPublished.inc({ subgraph: this.subgraph, channel });
  }

  /** Times a request from its arrival to the end of its answer; `routes` are the label values (others share ''). */
  timeRequest(req: IncomingMessage, res: ServerResponse, routes: ReadonlySet<string>): void {
    const started = performance.now();
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const method = HTTP_METHODS.has(req.method ?? '') ? req.method! : '_OTHER';
    res.once('close', () => {
      this.httpDuration.observe(
        { http_request_method: method, http_response_status_code: res.statusCode, http_route: routes.has(path) ? path : '' },
        (performance.now() - started) / 1000,
      );
    });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** `/metrics` */
  route(): RouteHandler {
    return async (_req, res) => sendBody(res, 200, { 'content-type': this.registry.contentType }, await this.render());
  }
}

/** Counts every answered GraphQL request and the codes of its errors. */
export function useRequestMetrics<TContext extends BaseContext>(metrics: SubgraphMetrics): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, response }) {
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const codes = errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN'));
          metrics.recordRequest(operation?.operation ?? 'unknown', codes.length === 0 ? 'success' : 'error', codes);
        },
      };
    },
  };
}
