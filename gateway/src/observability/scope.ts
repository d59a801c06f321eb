import type { Context, Span } from '@opentelemetry/api';
import { REQUEST_ID_HEADER, currentLogScope, runInLogScope, type LogScope } from '../../../lib/logger';
import type { Tracing } from './tracing';

export { REQUEST_ID_HEADER, requestIdOf } from '../../../lib/logger';

/**
 * One operation being served (an HTTP request, an SSE stream, an operation on
 * a WebSocket), carried through its async work in the log scope: its request
 * id (on every log line, on subgraph requests), what the pipeline learnt of
 * the operation (for the metrics), and, with tracing on, the span new spans
 * start under. A stage span runs in a nested scope that shares the facts of
 * its root and differs only in `trace`.
 */
export class RequestScope implements LogScope {
  operationType: string | undefined;
  operationName: string | undefined;
  /** The operation's server span and the tracing that made it (tracing on only). */
  serverSpan: Span | undefined;
  tracing: Tracing | undefined;
  private subgraphHeaders: Readonly<Record<string, string>> | undefined;

  constructor(
    readonly requestId: string,
    /** The context spans of this scope start under; undefined when tracing is off. */
    readonly trace: Context | undefined,
    private readonly root?: RequestScope,
  ) {}

  /** The scope whose facts this one shares (itself, unless nested). */
  get facts(): RequestScope {
    return this.root ?? this;
  }

  /** The same request, with spans starting under `trace`. */
  within(trace: Context): RequestScope {
    return new RequestScope(this.requestId, trace, this.facts);
  }

  /** `x-request-id` for the subgraph requests of this operation: one object per operation, built on first use. */
  requestIdHeaders(): Readonly<Record<string, string>> {
    const facts = this.facts;
    return (facts.subgraphHeaders ??= { [REQUEST_ID_HEADER]: this.requestId });
  }
}

/** The operation being served here, if any (none for event enrichment or work outside a request). */
export function currentScope(): RequestScope | undefined {
  const scope = currentLogScope();
  return scope instanceof RequestScope ? scope : undefined;
}

export function runInScope<R>(scope: RequestScope, fn: () => R): R {
  return runInLogScope(scope, fn);
}

/**
 * What the pipeline tells telemetry once the operation is known (its
 * document validated and the operation selected): its type and name, for the
 * metrics (only names of validated operations become label values) and the
 * server span's `graphql.operation.*` attributes.
 */
export function describeOperation(type: string, name: string | undefined): void {
  const scope = currentScope();
  if (!scope) return;
  const facts = scope.facts;
  facts.operationType = type;
  facts.operationName = name;
  facts.serverSpan?.setAttributes({ 'graphql.operation.type': type, ...(name && { 'graphql.operation.name': name }) });
}
