import { trace, type Context } from '@opentelemetry/api';
import { activeTracings, endFailed, type Tracing } from '../../../lib/tracing';
import { currentScope, runInScope, type RequestScope } from './scope';

export { createTracing, NO_TRACING, endFailed, type Tracing, type TracingOptions } from '../../../lib/tracing';

/**
 * Runs one pipeline stage (`document`, `authorize`, `cost`, `plan`,
 * `execute`...) in a span of its own under the operation's span, when the
 * operation is traced; otherwise it is a direct call of `fn`. Spans of
 * subgraph fetches made inside `fn` are its children. A synchronous stage
 * that throws (a refusal) or an asynchronous one that rejects ends its span
 * with an error status.
 */
export function stage<T>(name: string, fn: () => T): T {
  if (activeTracings() === 0) return fn();
  const scope = currentScope();
  const parent = scope?.trace;
  const tracing = scope?.facts.tracing;
  if (!parent || !tracing) return fn();
  return traced(scope, tracing, parent, name, fn);
}

function traced<T>(scope: RequestScope, tracing: Tracing, parent: Context, name: string, fn: () => T): T {
  const stageSpan = tracing.startInternalSpan(`graphql.${name}`, parent);
  let result: T;
  try {
    result = runInScope(scope.within(trace.setSpan(parent, stageSpan)), fn);
  } catch (error) {
    endFailed(stageSpan, error);
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        stageSpan.end();
        return value;
      },
      (error: unknown) => {
        endFailed(stageSpan, error);
        throw error;
      },
    ) as T;
  }
  stageSpan.end();
  return result;
}

