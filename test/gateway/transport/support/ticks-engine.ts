import { GraphQLError, Kind, parse, type DocumentNode, type FieldNode, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';
import type { Caller } from '../../../../gateway/src/auth/caller';
import type { ConnectionInfo, OperationHandle, OperationRequest, ResultSink, StreamingEngine } from '../../../../gateway/src/pipeline/contract';

/** One operation the engine started, as a test sees it. */
export interface StartedOperation {
  readonly field: string;
  readonly caller: Caller;
  readonly connection: ConnectionInfo;
  readonly request: OperationRequest;
  /** Times the transport called `handle.stop()`. */
  stopCalls: number;
  /** Results handed to the sink (also after the end, for the unruly field). */
  emitted: number;
  /** The engine itself ended the operation (complete or error). */
  endedByEngine: boolean;
}

/**
 * A small, real StreamingEngine for transport tests. Its schema, informally:
 *
 *   type Query { hello: String }                # one result, emitted inside start() like the real engine's queries
 *   type Subscription {
 *     ticks(n: Int!): Int                       # n results on a timer, then complete
 *     idle: Int                                 # nothing until stopped
 *     flood(size: Int!): String                 # results of ~size bytes as fast as possible until stopped
 *     whoami: String                            # the caller's subject, then complete
 *     failing: Int                              # one result, then an error
 *     unruly: Int                               # next, complete, then next/error/complete again
 *     stubborn: Int                             # one result; when stopped, one more result and complete
 *     forbidden: Int                            # refused at start with extensions.http.status 403
 *   }
 *
 * Anything else is refused at start with GRAPHQL_VALIDATION_FAILED.
 */
export class TicksEngine implements StreamingEngine {
  readonly operations: StartedOperation[] = [];

  /** The operations that ran (or run) a root field. */
  running(field: string): StartedOperation[] {
    return this.operations.filter((operation) => operation.field === field);
  }

  async start(caller: Caller, request: OperationRequest, sink: ResultSink, connection: ConnectionInfo): Promise<{ errors: readonly GraphQLFormattedError[] } | OperationHandle> {
    let document: DocumentNode;
    try {
      document = parse(request.query);
    } catch (error) {
      return refused((error as GraphQLError).message, 'GRAPHQL_PARSE_FAILED');
    }
    const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
    const field = operation?.selectionSet.selections.find((selection): selection is FieldNode => selection.kind === Kind.FIELD);
    if (!operation || !field) return refused('No operation with a field', 'GRAPHQL_VALIDATION_FAILED');
    const name = field.name.value;
    const known = operation.operation === 'query' ? ['hello'] : operation.operation === 'subscription' ? Object.keys(SUBSCRIPTIONS) : [];
    if (!known.includes(name)) return refused(`Cannot query field "${name}" on type "${operation.operation}"`, 'GRAPHQL_VALIDATION_FAILED');
    if (name === 'forbidden') return { errors: [{ message: 'Not for you', extensions: { code: 'FORBIDDEN', http: { status: 403 } } }] };

    // Let the transport's own bookkeeping run first, as a real engine's I/O would.
    await Promise.resolve();
    const started: StartedOperation = { field: name, caller, connection, request, stopCalls: 0, emitted: 0, endedByEngine: false };
    this.operations.push(started);
    const counted: ResultSink = {
      next: (json) => {
        started.emitted++;
        sink.next(json);
      },
      error: (errors) => {
        started.endedByEngine = true;
        sink.error(errors);
      },
      complete: () => {
        started.endedByEngine = true;
        sink.complete();
      },
    };
    if (name === 'hello') {
      counted.next(JSON.stringify({ data: { hello: 'world' } }));
      counted.complete();
      return { stop: () => void started.stopCalls++ };
    }
    const run = SUBSCRIPTIONS[name]({ sink: counted, caller, argument: (arg) => argumentOf(field, arg, request.variables ?? {}) });
    return {
      stop: () => {
        started.stopCalls++;
        run.stop();
      },
    };
  }
}

interface Run {
  sink: ResultSink;
  caller: Caller;
  argument(name: string): unknown;
}

const result = (field: string, value: unknown) => JSON.stringify({ data: { [field]: value } });

const SUBSCRIPTIONS: Record<string, (run: Run) => { stop(): void }> = {
  ticks({ sink, argument }) {
    const n = Number(argument('n'));
    let tick = 0;
    let timer: NodeJS.Timeout | undefined;
    const next = () => {
      if (tick === n) return sink.complete();
      sink.next(result('ticks', ++tick));
      timer = setTimeout(next, 2);
    };
    timer = setTimeout(next, 2);
    return { stop: () => clearTimeout(timer) };
  },
  idle() {
    return { stop() {} };
  },
  flood({ sink, argument }) {
    const json = result('flood', 'x'.repeat(Number(argument('size'))));
    let stopped = false;
    const burst = () => {
      for (let i = 0; i < 16 && !stopped; i++) sink.next(json);
      if (!stopped) setImmediate(burst);
    };
    setImmediate(burst);
    return {
      stop: () => {
        stopped = true;
      },
    };
  },
  whoami({ sink, caller }) {
    setImmediate(() => {
      sink.next(result('whoami', caller.subject));
      sink.complete();
    });
    return { stop() {} };
  },
  failing({ sink }) {
    setImmediate(() => {
      sink.next(result('failing', 1));
      sink.error([{ message: 'The ticker broke', extensions: { code: 'TICKER_BROKEN' } }]);
    });
    return { stop() {} };
  },
  /** A sloppy engine: keeps calling the sink after the operation ended. The transport must drop all of it. */
  unruly({ sink }) {
    setImmediate(() => {
      sink.next(result('unruly', 1));
      sink.complete();
      sink.next(result('unruly', 2));
      sink.error([{ message: 'late' }]);
      sink.complete();
    });
    return { stop() {} };
  },
  /** Another sloppy one: when stopped it still emits a result and completes, as a racing engine might. */
  stubborn({ sink }) {
    setImmediate(() => sink.next(result('stubborn', 1)));
    return {
      stop() {
        sink.next(result('stubborn', 2));
        sink.complete();
      },
    };
  },
  forbidden() {
    throw new Error('refused before it starts');
  },
};

function argumentOf(field: FieldNode, name: string, variables: Record<string, unknown>): unknown {
  const node = field.arguments?.find((argument) => argument.name.value === name)?.value;
  if (!node) return undefined;
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.STRING) return node.value;
  return undefined;
}

function refused(message: string, code: string): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message, extensions: { code } }] };
}
