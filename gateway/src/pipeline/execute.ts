import type { GatewayExecutor, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { DocumentNode, GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { Logger } from '../../../lib/logger';
import { toApolloLogger } from '../../../lib/apollo-logger';
import type { Caller } from '../auth/caller';
import { RequestErrorCode } from './refusal';

/** One operation ready to run: validated, authorized (cut), admitted. */
export interface ExecutableOperation {
  readonly caller: Caller;
  readonly query: string;
  /** The document to plan: the client's, or the authorization cut of it. */
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  /** As the client sent them: subgraphs get their own values, not coerced ones. */
  readonly variables: Record<string, unknown>;
  readonly extensions: Record<string, unknown> | undefined;
  /** Identifies `document` for the query-plan cache: the text's hash, plus the authorization cut. */
  readonly planKey: string;
}

export interface ExecutionResult {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
}

/**
 * Stages 5 and 6, plan and execute, through @apollo/gateway's public
 * executor (the GatewayInterface Apollo Server itself calls): it plans with
 * @apollo/query-planner, caches plans per `planKey` in an LRU bounded by
 * bytes, and runs them on our pooled data sources, which read the caller
 * from the context to sign its identity for each subgraph. Subgraph errors
 * keep their codes and the subgraph's name; anything without a code is an
 * INTERNAL_SERVER_ERROR, and no stack ever leaves this module.
 */
export class Execution {
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
