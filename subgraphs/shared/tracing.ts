import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanStatusCode } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { REQUEST_ID_HEADER, requestIdOf, runInLogScope, type Logger } from '../../lib/logger';
import { NO_TRACING, createTracing, type Tracing } from '../../lib/tracing';
import type { SubgraphMetrics } from './metrics';

/** A subgraph's tracing: on when it has somewhere to send spans. */
export interface SubgraphTracingOptions {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `<otlpEndpoint>/v1/traces`. */
  otlpEndpoint?: string;
  /** Export here instead (tests: the SDK's InMemorySpanExporter). */
  spanExporter?: SpanExporter;
  /** Share of traces started here that are recorded; the gateway's `traceparent` decides for its requests. Default 1. */
  sampleRatio?: number;
}

export function createSubgraphTracing(name: string, options: SubgraphTracingOptions | undefined): Tracing {
  if (!options || (!options.otlpEndpoint && !options.spanExporter)) return NO_TRACING;
  return createTracing({
    enabled: true,
    otlpEndpoint: options.otlpEndpoint ?? 'http://localhost:4318',
    sampleRatio: options.sampleRatio ?? 1,
    serviceName: name,
    spanExporter: options.spanExporter,
  });
}

/**
 * Wraps a subgraph's HTTP handler: each request runs in the log scope of its
 * request id (the gateway's `x-request-id`, else a fresh one), so every log
 * line of it carries `requestId`; it is timed for
 * `http_server_request_duration_seconds`, logged at debug level when
 * answered, and with tracing on served in a server span continuing the
 * gateway's `traceparent`.
 */
export function observeRequests(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  { metrics, tracing, logger, routes }: { metrics: SubgraphMetrics; tracing: Tracing; logger: Logger; routes: readonly string[] },
): (req: IncomingMessage, res: ServerResponse) => void {
  const known = new Set(routes);
  return (req, res) => {
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    metrics.timeRequest(req, res, known);
    const path = (req.url ?? '/').split('?')[0];
    const server = tracing.enabled
      ? tracing.startServerSpan(known.has(path) ? `${req.method} ${path}` : `${req.method}`, req.headers, { 'http.request.method': req.method ?? '', 'url.path': path })
      : undefined;
    res.once('close', () => {
      logger.debug('request answered', { requestId, method: req.method, url: req.url, status: res.statusCode });
      if (!server) return;
      server.span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) server.span.setStatus({ code: SpanStatusCode.ERROR });
      server.span.end();
    });
    runInLogScope({ requestId }, () => handler(req, res));
  };
}
