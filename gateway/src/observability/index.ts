/**
 * Telemetry of the gateway, on the ecosystem's libraries: Prometheus metrics
 * with prom-client (metrics.ts), traces with OpenTelemetry (tracing.ts), logs
 * with pino (lib/logger.ts) carrying the request id of the operation being
 * served (scope.ts). It plugs in at four places, each one line of wiring in
 * gateway.ts: around the HTTP handler (`serveHttp`: request id, server span,
 * HTTP metrics), around the pipeline as transports see it
 * (`observeOperations`: operation metrics, WebSocket operation scopes), into
 * the subgraph fetch layer (`fetchObserver`), and inside the pipeline
 * (`stage`, `describeOperation`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { SpanStatusCode } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { sendBody } from '../../../lib/http/errors';
import type { RouteHandler } from '../../../lib/http/routes';
import type { Logger } from '../../../lib/logger';
import { startHttpServer, type RunningHttpServer } from '../../../lib/http/server';
import type { Caller } from '../auth/caller';
import type { ConnectionInfo, OperationRequest, ResultSink, SingleAnswer, StreamingEngine } from '../pipeline';
import type { SubgraphFetchObserver } from '../traffic/observer';
import { createFetchObserver } from './fetch-observer';
import { GatewayMetrics, type MetricSources, type OperationOutcome } from './metrics';
import { REQUEST_ID_HEADER, RequestScope, currentScope, requestIdOf, runInScope } from './scope';
import { createTracing, type Tracing } from './tracing';

export { createFetchObserver } from './fetch-observer';
export { GatewayMetrics, OTHER_OPERATIONS, type MetricSources, type OperationOutcome } from './metrics';
export { REQUEST_ID_HEADER, describeOperation, requestIdOf } from './scope';
export { createTracing, stage, NO_TRACING, type Tracing, type TracingOptions } from './tracing';

/** The `telemetry` section of the configuration. */
export interface TelemetryConfig {
  metrics: { port?: number; maxOperationNames: number };
  tracing: { enabled: boolean; otlpEndpoint: string; sampleRatio: number; serviceName: string };
}

/** What tests (and embedders) may plug in besides the configuration. */
export interface TelemetryOptions {
  /** Spans go here instead of the OTLP endpoint (the SDK's InMemorySpanExporter in tests); tracing must still be enabled. */
  spanExporter?: SpanExporter;
}

/** The pipeline as the transports call it: answers for HTTP, starts for streams. */
export interface OperationEngine extends StreamingEngine {
  execute(caller: Caller, request: OperationRequest, connection: ConnectionInfo): Promise<SingleAnswer>;
}

export interface Telemetry {
  readonly metrics: GatewayMetrics;
  readonly tracing: Tracing;
  /** For the subgraph data sources (`observer` option). */
  readonly fetchObserver: SubgraphFetchObserver;
  /** `/metrics` */
  readonly metricsRoute: RouteHandler;
  /** Wraps the HTTP server's handler: request id in and out, the server span, `http_server_request_duration_seconds`. */
  serveHttp(handler: (req: IncomingMessage, res: ServerResponse) => void, routes: readonly string[], logger: Logger): (req: IncomingMessage, res: ServerResponse) => void;
  /** Wraps the pipeline for the transports: `graphql_operation_duration_seconds`, costs, one scope per WebSocket operation. */
  observeOperations(engine: OperationEngine): OperationEngine;
  /** `/metrics` on a port of its own (`telemetry.metrics.port`). */
  serveMetrics(port: number, host: string): Promise<RunningHttpServer>;
  /** Flushes and stops tracing. */
  close(): Promise<void>;
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE']);

export function createTelemetry(config: TelemetryConfig, options: TelemetryOptions = {}): Telemetry {
  const metrics = new GatewayMetrics({ maxOperationNames: config.metrics.maxOperationNames });
  const tracing = createTracing({ ...config.tracing, spanExporter: options.spanExporter });

  const metricsRoute: RouteHandler = async (_req, res) => {
    sendBody(res, 200, { 'content-type': metrics.contentType }, await metrics.render());
  };

  /** A new root scope: traced under `span` when tracing is on. */
  function rootScope(requestId: string, spanName: string, headers: IncomingMessage['headers'] | undefined, attributes: Record<string, string>): RequestScope {
    if (!tracing.enabled) return new RequestScope(requestId, undefined);
    const { span, context } = tracing.startServerSpan(spanName, headers, attributes);
    const scope = new RequestScope(requestId, context);
    scope.serverSpan = span;
    scope.tracing = tracing;
    return scope;
  }

  function record(scope: RequestScope | undefined, outcome: OperationOutcome, started: number): void {
    metrics.operation(scope?.facts.operationType, scope?.facts.operationName, outcome, (performance.now() - started) / 1000);
  }

  return {
    metrics,
    tracing,
    fetchObserver: createFetchObserver(metrics, tracing),
    metricsRoute,

    serveHttp(handler, routes, logger) {
      const known = new Set(routes);
      return (req, res) => {
        const started = performance.now();
        const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
        res.setHeader(REQUEST_ID_HEADER, requestId);
        const url = req.url ?? '/';
        const queryStart = url.indexOf('?');
        const path = queryStart === -1 ? url : url.slice(0, queryStart);
        // Unknown paths share one label value: a scanner cannot grow the label set.
        const route = known.has(path) ? path : '';
        const method = HTTP_METHODS.has(req.method ?? '') ? req.method! : '_OTHER';
        const scope = rootScope(requestId, route ? `${method} ${route}` : method, req.headers, { 'http.request.method': method, 'url.path': path, 'http.route': route });
        res.once('close', () => {
          const seconds = (performance.now() - started) / 1000;
          metrics.httpRequest(method, route, res.statusCode, seconds);
          logger.debug('request answered', { requestId, method, path, status: res.statusCode, durationMs: Math.round(seconds * 1e4) / 10 });
          const span = scope.serverSpan;
          if (!span) return;
          span.setAttribute('http.response.status_code', res.statusCode);
          if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        });
        runInScope(scope, () => handler(req, res));
      };
    },

    observeOperations(engine) {
      return {
        async execute(caller, request, connection) {
          const started = performance.now();
          const answer = await engine.execute(caller, request, connection);
          const scope = currentScope();
          if (answer.kind === 'incremental') {
            // Timed to the first part, the one a client waits for.
            answer.initial.then(
              () => record(scope, 'success', started),
              () => record(scope, 'error', started),
            );
            return answer;
          }
          record(scope, outcomeOf(answer), started);
          if (answer.kind === 'result') {
            const cost = answer.result.extensions?.cost as { requestedQueryCost?: number; actualQueryCost?: number } | undefined;
            if (cost?.requestedQueryCost !== undefined && cost.actualQueryCost !== undefined) {
              metrics.cost(scope?.facts.operationType ?? 'unknown', cost.requestedQueryCost, cost.actualQueryCost);
            }
          }
          return answer;
        },
        start(caller, request, sink, connection) {
          // An SSE stream is an HTTP request: it already has its scope. Each WebSocket operation gets one.
          if (connection.transport !== 'ws') return startObserved(engine, caller, request, sink, connection, currentScope());
          const scope = rootScope(randomUUID(), 'graphql.ws operation', undefined, { 'network.protocol.name': 'websocket' });
          return runInScope(scope, async () => {
            try {
              return await startObserved(engine, caller, request, sink, connection, scope);
            } finally {
              const { serverSpan, operationType, operationName } = scope;
              if (serverSpan) {
                if (operationType) serverSpan.updateName(`${operationType}${operationName ? ` ${operationName}` : ''}`);
                serverSpan.end();
              }
            }
          });
        },
      };
    },

    async serveMetrics(port, host) {
      return startHttpServer(
        (req, res) => {
          const path = (req.url ?? '/').split('?')[0];
          if (path === '/metrics') return void metricsRoute(req, res);
          sendBody(res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'Not found: metrics are served at /metrics\n');
        },
        { port, host },
      );
    },

    close: () => tracing.shutdown(),
  };

  /**
   * An operation over a stream: timed to its start (a subscription's events
   * come later, counted by the subscription metrics). Its outcome is the
   * start's: refused (or error) when it could not start, success otherwise.
   */
  async function startObserved(
    engine: OperationEngine,
    caller: Caller,
    request: OperationRequest,
    sink: ResultSink,
    connection: ConnectionInfo,
    scope: RequestScope | undefined,
  ): ReturnType<StreamingEngine['start']> {
    const started = performance.now();
    let outcome: OperationOutcome = 'error';
    try {
      const result = await engine.start(caller, request, sink, connection);
      outcome = 'errors' in result ? (result.errors.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR') ? 'error' : 'refused') : 'success';
      return result;
    } finally {
      record(scope, outcome, started);
    }
  }
}

/** success: no errors; partial: data and errors; error: errors and no data, or our failure; refused: not run. */
function outcomeOf(answer: Exclude<SingleAnswer, { kind: 'incremental' }>): OperationOutcome {
  if (answer.kind === 'refused') return answer.refusal.status >= 500 ? 'error' : 'refused';
  const { result } = answer;
  if (!result.errors || result.errors.length === 0) return 'success';
  return result.data == null ? 'error' : 'partial';
}
