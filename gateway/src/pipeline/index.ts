import type { GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import type { Logger } from '../../../lib/logger';
import { applyDenials, type AuthorizationControl, type AuthorizationOutcome } from '../auth/authorization';
import type { Caller } from '../auth/caller';
import type { OperationCost } from '../cost';
import { resumeFromOf, type AdmittedSubscription, type SubscriptionEngine } from '../subscriptions/engine';
import type { Admission, Charge } from './admission';
import type { ConnectionInfo, OperationHandle, OperationRequest, ResultSink, StreamingEngine } from './contract';
import type { DocumentStage, ValidDocument } from './document';
import { formatError, type ExecutableOperation, type ExecutionResult } from './execute';
import { initialPayload, subsequentPayload, type IncrementalFormat } from './incremental';
import type { IncrementalAnswer } from '../execution';
import type { Execution } from './execute';
import { checkTransport, coerceVariables, selectOperation } from './operation';
import { describeOperation, stage } from '../observability';
import type { PersistedOperations } from './persisted';
import { OperationRefusal, RequestErrorCode, refusal, requestError } from './refusal';

export { OperationRefusal } from './refusal';
export type { ConnectionInfo, OperationHandle, OperationRequest, ResultSink, StreamingEngine } from './contract';
export type { IncrementalFormat } from './incremental';

export interface PipelineStages {
  documents: DocumentStage;
  authorization: AuthorizationControl;
  /** Absent when cost analysis is off (`cost.enabled` false): nothing is costed or charged. */
  admission?: Admission;
  execution: Execution;
  /** Documents named by hash (APQ, trusted documents); absent: hash-only requests are refused as unsupported. */
  persisted?: PersistedOperations;
  /** Absent when subscriptions are off. */
  subscriptions?: SubscriptionEngine;
  logger: Logger;
  now?: () => number;
}

/** The answer to a query or mutation: always a GraphQL response; `headers` for HTTP (rate limits). */
export type SingleAnswer =
  | { readonly kind: 'result'; readonly result: FormattedResult; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'refused'; readonly refusal: OperationRefusal }
  | IncrementalResponse;

/** An answer in parts (@defer): the payloads in the connection's incremental format, for the transport to frame. */
export interface IncrementalResponse {
  readonly kind: 'incremental';
  readonly initial: Promise<{ readonly payload: Record<string, unknown>; readonly headers: Readonly<Record<string, string>> }>;
  /** Ends after the payload with `hasNext: false`; throws if the execution fails midway. */
  readonly subsequent: AsyncIterable<Record<string, unknown>>;
}

export interface FormattedResult {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

/** Everything the stages before admission decided about one request. */
interface Prepared {
  readonly caller: Caller;
  readonly request: OperationRequest;
  readonly valid: ValidDocument;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown>;
  readonly coercedVariables: Record<string, unknown>;
  readonly outcome: AuthorizationOutcome | undefined;
  readonly cost: OperationCost | undefined;
}

/**
 * The one operation pipeline. Every transport — GraphQL over HTTP (POST and
 * GET), graphql-ws and SSE — hands it a proved caller and a request, and it
 * runs the same stages in this order:
 *
 *   1. read      the caller's token still valid; the request well formed
 *   2. document  token limit, parse, shape limits, validate (cached per text)
 *   3. operation which operation; what the transport may run; variables coerced
 *   4. authorize @authenticated / @requiresScopes: filter or reject
 *   5. cost      estimate and cost limit, then the debit (never for a refusal)
 *   6. plan + execute (queries, mutations), or subscribe (events)
 *   7. answer    denials patched in, cost settled, extensions.cost, headers
 *
 * No stage exists anywhere else; a transport passes parameters (its name,
 * the HTTP method) and never re-implements one.
 */
export class Pipeline implements StreamingEngine {
  private readonly now: () => number;

  constructor(private readonly stages: PipelineStages) {
    this.now = stages.now ?? Date.now;
  }

  /** A query or mutation, answered once (HTTP). Never rejects: refusals and failures are answers too. */
  async execute(caller: Caller, request: OperationRequest, connection: ConnectionInfo): Promise<SingleAnswer> {
    try {
      const prepared = this.prepare(caller, await this.documentOf(request), connection);
      return await this.run(prepared, connection);
    } catch (error) {
      return { kind: 'refused', refusal: this.refusalOf(error, request) };
    }
  }

  /** Any operation over a streaming transport: a query's one result, or a subscription's events. */
  async start(caller: Caller, request: OperationRequest, sink: ResultSink, connection: ConnectionInfo): Promise<{ errors: readonly GraphQLFormattedError[] } | OperationHandle> {
    let prepared: Prepared;
    try {
      prepared = this.prepare(caller, await this.documentOf(request), connection);
    } catch (error) {
      return { errors: refusalErrors(this.refusalOf(error, request)) };
    }
    if (prepared.operation.operation === 'subscription') return this.subscribe(prepared, connection, sink);
    let answer: SingleAnswer;
    try {
      answer = await this.run(prepared, connection);
    } catch (error) {
      answer = { kind: 'refused', refusal: this.refusalOf(error, request) };
    }
    if (answer.kind === 'refused') return { errors: refusalErrors(answer.refusal) };
    if (answer.kind === 'result') {
      sink.next(JSON.stringify(answer.result));
      sink.complete();
      return { stop() {} };
    }
    return this.streamParts(answer, sink, prepared.operationName);
  }

  /** An answer in parts over a streaming transport: one `next` per part, then `complete`. */
  private async streamParts(answer: IncrementalResponse, sink: ResultSink, operationName: string | undefined): Promise<OperationHandle> {
    let stopped = false;
    sink.next(JSON.stringify((await answer.initial).payload));
    void (async () => {
      try {
        for await (const payload of answer.subsequent) {
          if (stopped) return;
          sink.next(JSON.stringify(payload));
        }
        sink.complete();
      } catch (error) {
        this.stages.logger.error('incremental delivery failed', { error, operationName });
        sink.error([{ message: 'Internal server error', extensions: { code: RequestErrorCode.InternalServerError } }]);
      }
    })();
    return {
      stop() {
        stopped = true;
      },
    };
  }

  /** Stage 1 for a document named by hash: the request with its document (a Redis lookup at most). Throws the refusal. */
  private documentOf(request: OperationRequest): OperationRequest | Promise<OperationRequest> {
    const { persisted } = this.stages;
    return persisted && (request.documentId !== undefined || request.extensions?.persistedQuery !== undefined || persisted.safelisting) ? persisted.resolve(request) : request;
  }

  /** Stages 1 to 5 (estimate): pure and synchronous, mostly cache lookups. Throws the refusal. */
  private prepare(caller: Caller, request: OperationRequest, connection: ConnectionInfo): Prepared {
    // 1. read
    if (caller.expiresAt !== null && caller.expiresAt <= this.now()) {
      throw refusal(401, 'UNAUTHENTICATED', 'The token has expired', { headers: { 'www-authenticate': 'Bearer realm="graphql", error="invalid_token"' } });
    }
    if (typeof request.query !== 'string' || request.query === '') {
      if (request.extensions && 'persistedQuery' in request.extensions) {
        throw requestError(RequestErrorCode.PersistedQueryNotSupported, 'Persisted queries are not supported; send the full query');
      }
      throw requestError(RequestErrorCode.BadRequest, 'The request has no "query"');
    }
    // 2. document
    const valid = stage('document', () => this.stages.documents.load(request.query));
    // 3. operation
    const operationName = request.operationName || undefined;
    const operation = selectOperation(valid.document, operationName);
    describeOperation(operation.operation, operation.name?.value);
    checkTransport(operation, connection);
    if (operation.operation === 'subscription') {
      if (!this.stages.subscriptions) throw requestError(RequestErrorCode.BadRequest, 'Subscriptions are turned off on this gateway (subscriptions.enabled)');
      this.stages.subscriptions.eventFieldOf(operation);
    }
    const variables = request.variables ?? {};
    const coercedVariables = coerceVariables(this.stages.authorization.schema, operation, variables);
    // 4. authorize
    const outcome = stage('authorize', () => this.stages.authorization.authorize(valid.document, operationName, caller));
    if (outcome?.nothingLeft && operation.operation === 'subscription') throw this.stages.authorization.refuseEmptied(outcome, caller);
    // 5. cost (the estimate; the debit comes last, just before running)
    const cost = this.stages.admission && stage('cost', () => this.stages.admission!.estimate(outcome?.document ?? valid.document, operationName, coercedVariables));
    return { caller, request, valid, operation, operationName, variables, coercedVariables, outcome, cost };
  }

  /** Stages 5 (debit) to 7 for a query or mutation. */
  private async run(prepared: Prepared, connection: ConnectionInfo): Promise<SingleAnswer> {
    const { admission } = this.stages;
    const { outcome } = prepared;
    const charge: Charge | undefined = admission && prepared.cost ? await stage('ratelimit', () => admission.charge(prepared.caller, connection.clientIp, prepared.cost!)) : undefined;
    let result: ExecutionResult;
    if (outcome?.nothingLeft) {
      // Nothing the caller may see is left: answered without planning or calling any subgraph.
      result = { data: {} };
    } else {
      const executable: ExecutableOperation = {
        caller: prepared.caller,
        query: prepared.request.query,
        document: outcome?.document ?? prepared.valid.document,
        operation: prepared.operation,
        operationName: prepared.operationName,
        variables: prepared.variables,
        coercedVariables: prepared.coercedVariables,
        extensions: prepared.request.extensions ?? undefined,
        planKey: outcome ? `${prepared.valid.hash}:${outcome.key}` : prepared.valid.hash,
      };
      try {
        // @defer in parts when the transport can carry them; an authorization cut is patched whole, so it answers at once.
        const { execution } = this.stages;
        if (execution.plan) stage('plan', () => execution.plan!(executable));
        const incremental = connection.incremental && !outcome ? execution.executeIncrementally?.(executable) : undefined;
        if (incremental) return this.answerInParts(await incremental, charge, connection.incremental!);
        result = await stage('execute', () => execution.execute(executable));
      } catch (error) {
        // Our bug, or the planner's: the caller gets its points back and no details.
        if (charge?.decision) void admission!.limiter!.settle(charge.key!, charge.tier!, charge.points);
        this.stages.logger.error('execution failed', { error, operationName: prepared.operationName });
        return { kind: 'refused', refusal: refusal(500, RequestErrorCode.InternalServerError, 'Internal server error') };
      }
    }
    // 7. answer
    let data = result.data;
    let errors: readonly GraphQLFormattedError[] | undefined = result.errors;
    if (outcome) {
      const patched = applyDenials({ data, errors }, outcome, this.stages.authorization.schema, prepared.valid.document, prepared.operationName);
      data = patched.data;
      errors = patched.errors.map(formatError);
    }
    const settled = charge ? admission!.settle(charge, data) : undefined;
    const formatted: FormattedResult = { data };
    if (errors && errors.length > 0) formatted.errors = errors;
    if (result.extensions || settled) formatted.extensions = { ...result.extensions, ...settled?.extensions };
    return { kind: 'result', result: formatted, headers: { ...result.headers, ...settled?.headers } };
  }

  /**
   * Stage 7 for an operation delivered in parts (@defer): the first part at
   * once, the others as they are ready; the cost is settled once, on the
   * whole answer, and reported with the last part.
   */
  private answerInParts(answer: IncrementalAnswer, charge: Charge | undefined, format: IncrementalFormat): SingleAnswer {
    const { admission } = this.stages;
    const settle = async () => (charge ? admission!.settle(charge, await answer.finished) : undefined);
    async function* subsequent(): AsyncGenerator<Record<string, unknown>> {
      for await (const part of answer.subsequent) {
        yield subsequentPayload(format, part, formatError, part.hasNext ? undefined : (await settle())?.extensions);
      }
    }
    if (!answer.initial.hasNext) {
      // Nothing was deferred after all: one part, settled now.
      return {
        kind: 'incremental',
        initial: settle().then((settled) => ({ payload: initialPayload(format, answer.initial, formatError, settled?.extensions), headers: settled?.headers ?? {} })),
        subsequent: (async function* () {})(),
      };
    }
    return {
      kind: 'incremental',
      initial: Promise.resolve({ payload: initialPayload(format, answer.initial, formatError), headers: charge ? admission!.chargeHeaders(charge) : {} }),
      subsequent: subsequent(),
    };
  }

  /** Stages 5 (debit: cost and a concurrent-subscription slot) and 6 for a subscription. */
  private async subscribe(prepared: Prepared, connection: ConnectionInfo, sink: ResultSink): Promise<{ errors: readonly GraphQLFormattedError[] } | OperationHandle> {
    const engine = this.stages.subscriptions!;
    const { admission } = this.stages;
    let released = false;
    let slot: () => void = () => {};
    const release = () => {
      if (released) return;
      released = true;
      slot();
    };
    try {
      if (admission && prepared.cost) slot = await admission.startSubscription(prepared.caller, connection.clientIp, prepared.cost);
      // The engine may end a subscription itself (a reload that removed its field): its slot is freed then too.
      const ending: ResultSink = {
        next: (json, eventId) => sink.next(json, eventId),
        error: (errors) => {
          release();
          sink.error(errors);
        },
        complete: () => {
          release();
          sink.complete();
        },
      };
      // A client resuming (graphql-ws `extensions.resumeFrom`, SSE Last-Event-ID) first gets what it missed.
      const handle = engine.subscribe(admitted(prepared, engine), ending, resumeFromOf(prepared.request.extensions));
      return {
        stop() {
          handle.stop();
          release();
        },
      };
    } catch (error) {
      release();
      return { errors: refusalErrors(this.refusalOf(error, prepared.request)) };
    }
  }

  /**
   * A subscription admitted on an earlier supergraph, admitted again on this
   * one: its document validated, authorized and costed against this schema
   * (not charged again). Throws the refusal when it no longer fits.
   */
  readmit(subscription: AdmittedSubscription): AdmittedSubscription {
    const request: OperationRequest = { query: subscription.query, operationName: subscription.operationName, variables: subscription.variables };
    const prepared = this.prepare(subscription.caller, request, RESUBSCRIPTION);
    return admitted(prepared, this.stages.subscriptions!);
  }

  private refusalOf(error: unknown, request: OperationRequest): OperationRefusal {
    if (error instanceof OperationRefusal) return error;
    this.stages.logger.error('the pipeline failed on an operation', { error, operationName: request.operationName });
    return refusal(500, RequestErrorCode.InternalServerError, 'Internal server error');
  }
}

/** How a re-admitted subscription presents itself to the transport checks: already carried by a streaming transport. */
const RESUBSCRIPTION: ConnectionInfo = { transport: 'ws', clientIp: '', connectionId: 'supergraph-reload' };

function admitted(prepared: Prepared, engine: SubscriptionEngine): AdmittedSubscription {
  return {
    caller: prepared.caller,
    query: prepared.request.query,
    original: prepared.valid.document,
    document: prepared.outcome?.document ?? prepared.valid.document,
    outcome: prepared.outcome,
    operation: prepared.operation,
    operationName: prepared.operationName,
    variables: prepared.variables,
    coercedVariables: prepared.coercedVariables,
    field: engine.eventFieldOf(prepared.operation),
  };
}

/**
 * A refusal as a streaming transport sends it: the errors, with the HTTP
 * status (and headers) SSE answers before any stream in `extensions.http`.
 */
function refusalErrors(refused: OperationRefusal): GraphQLFormattedError[] {
  return refused.errors.map((error, i) =>
    i === 0 ? { ...error, extensions: { ...error.extensions, http: { status: refused.status, headers: refused.headers } } } : error,
  );
}
