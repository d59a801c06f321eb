import type { GatewayExecutor, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { Logger } from '../../../lib/logger';
import { toApolloLogger } from '../../../lib/apollo-logger';
import { cacheControlHeaders } from '../cache/http';
import type { IncrementalAnswer, PlannedOperation, QueryPlanExecutor } from '../execution';
import { RequestErrorCode } from './refusal';

/** One operation ready to run: validated, authorized (cut), admitted. */
export interface ExecutableOperation extends PlannedOperation {
  /** The client's operation (in the client's document, not the cut). */
  readonly operation: OperationDefinitionNode;
  readonly query: string;
  readonly extensions: Record<string, unknown> | undefined;
  /** Identifies `document` for @apollo/gateway's query-plan cache: the text's hash, plus the authorization cut. */
  readonly planKey: string;
}

export interface ExecutionResult {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
  /** `valueCompletion`: values that broke the schema's promises, when nothing else failed (as Apollo Router reports them). */
  extensions?: Record<string, unknown>;
  /** HTTP headers of the answer: `Cache-Control` from the entity cache's policy (gateway/src/cache). */
  headers?: Readonly<Record<string, string>>;
}

/** Stage 6, plan and execute: either engine (config `execution.engine`) behind one method. */
export interface Execution {
  /** Plans the operation (cached), so its time shows apart from the run's in a trace; `execute` plans anyway. */
  plan?(operation: ExecutableOperation): void;
  execute(operation: ExecutableOperation): Promise<ExecutionResult>;
  /** The operation's parts as they are ready when its plan defers some (@defer); undefined when it defers nothing (then `execute`). */
  executeIncrementally?(operation: ExecutableOperation): Promise<IncrementalAnswer> | undefined;
}

/** The `native` engine: our executor (gateway/src/execution). */
export class NativeExecution implements Execution {
  constructor(private readonly executor: QueryPlanExecutor) {}

  plan(operation: ExecutableOperation): void {
    this.executor.prepare(operation);
  }

  async execute(operation: ExecutableOperation): Promise<ExecutionResult> {
    const outcome = await this.executor.execute(operation);
    const result: ExecutionResult = { data: outcome.data };
    if (outcome.errors) result.errors = outcome.errors.map(formatError);
    if (outcome.extensions) result.extensions = outcome.extensions;
    if (outcome.cachePolicy !== undefined) result.headers = cacheControlHeaders(outcome.cachePolicy, operation.caller);
    return result;
  }

  executeIncrementally(operation: ExecutableOperation): Promise<IncrementalAnswer> | undefined {
    return this.executor.prepare(operation).incremental ? this.executor.executeIncrementally(operation) : undefined;
  }
}

/**
 * The `apollo` engine, the reference the differential tests hold the native
 * one to: @apollo/gateway's public executor (the GatewayInterface Apollo
 * Server itself calls), which plans with @apollo/query-planner, caches plans
 * per `planKey` and runs them on our pooled data sources; they read the
 * caller from the context to sign its identity for each subgraph.
 */
export class ApolloExecution implements Execution {
  private readonly apolloLogger;

  constructor(
    private readonly executor: GatewayExecutor,
    private readonly schema: GraphQLSchema,
    logger: Logger,
  ) {
    this.apolloLogger = toApolloLogger(logger);
  }

  async execute(operation: ExecutableOperation): Promise<ExecutionResult> {
    const requestContext = {
      request: { query: operation.query, variables: operation.variables, operationName: operation.operationName, extensions: operation.extensions },
      document: operation.document,
      source: operation.query,
      queryHash: operation.planKey,
      operationName: operation.operationName ?? null,
      operation: operation.operation,
      schema: this.schema,
      context: { caller: operation.caller },
      logger: this.apolloLogger,
      metrics: {},
      overallCachePolicy: {},
    } as unknown as GatewayGraphQLRequestContext;
    const response = await this.executor(requestContext);
    const result: ExecutionResult = { data: response.data as Record<string, unknown> | null | undefined };
    if (response.errors && response.errors.length > 0) result.errors = response.errors.map(formatError);
    const completion = response.extensions?.valueCompletion as unknown[] | undefined;
    if (completion && completion.length > 0) result.extensions = { valueCompletion: completion.map(formatError) };
    return result;
  }
}

/** What a client sees of an error: message, locations, path and extensions, with a code; never a stack. */
export function formatError(error: unknown): GraphQLFormattedError {
  const value = (typeof (error as { toJSON?: unknown })?.toJSON === 'function' ? (error as { toJSON(): unknown }).toJSON() : error) as Partial<GraphQLFormattedError>;
  const { exception: _exception, stacktrace: _stacktrace, ...extensions } = (value.extensions ?? {}) as Record<string, unknown>;
  return {
    message: typeof value.message === 'string' ? value.message : 'Internal server error',
    ...(value.locations && { locations: value.locations }),
    ...(value.path && { path: value.path }),
    extensions: { ...extensions, code: (extensions.code as string | undefined) ?? RequestErrorCode.InternalServerError },
  };
}
