import { performance } from 'node:perf_hooks';
import type { Span } from '@opentelemetry/api';
import type { AttemptObservation, SubgraphFetchObserver } from '../traffic/observer';
import type { GatewayMetrics } from './metrics';
import { currentScope } from './scope';
import { endFailed, type Tracing } from './tracing';

/**
 * Telemetry's side of the traffic layer's seam (traffic/observer.ts): per
 * attempt, the latency histogram, attempt/retry/error counters, and with
 * tracing on a client span under the current stage; the attempt's request
 * carries the operation's `x-request-id` and, when traced, its `traceparent`.
 */
export function createFetchObserver(metrics: GatewayMetrics, tracing: Tracing): SubgraphFetchObserver {
  return {
    attemptStarted({ subgraph, attempt, instance }): AttemptObservation {
      const started = performance.now();
      metrics.fetchAttempt(subgraph, attempt);
      const scope = currentScope();
      let headers = scope?.requestIdHeaders();
      let span: Span | undefined;
      if (tracing.enabled && scope?.trace) {
        const carrier: Record<string, string> = { ...headers };
        span = tracing.startClientSpan(`subgraph ${subgraph}`, scope.trace, { 'graphql.subgraph.name': subgraph, 'subgraph.attempt': attempt, 'server.address': instance }, carrier);
        headers = carrier;
      }
      return {
        headers,
        finish({ status, errorCode }) {
          metrics.fetchFinished(subgraph, (performance.now() - started) / 1000, errorCode);
          if (!span) return;
          if (status !== undefined) span.setAttribute('http.response.status_code', status);
          if (errorCode) {
            span.setAttribute('error.type', errorCode);
            endFailed(span, new Error(errorCode));
          } else span.end();
        },
      };
    },
    deduplicated: (subgraph) => metrics.fetchDeduplicatedHit(subgraph),
    shortCircuited: (subgraph) => metrics.fetchShortCircuit(subgraph),
    breakerChanged: (subgraph, instance, state) => metrics.breaker(subgraph, instance, state),
  };
}
