import type { GraphQLError, GraphQLFormattedError } from 'graphql';

/**
 * Codes of the GraphQL request errors the pipeline raises itself. They keep
 * the names Apollo Server and Apollo Router use, so clients written for those
 * read ours the same way; every other stage owns its codes (auth, cost, shape).
 */
export const RequestErrorCode = {
  BadRequest: 'BAD_REQUEST',
  ParseFailed: 'GRAPHQL_PARSE_FAILED',
  ValidationFailed: 'GRAPHQL_VALIDATION_FAILED',
  BadUserInput: 'BAD_USER_INPUT',
  OperationResolutionFailure: 'OPERATION_RESOLUTION_FAILURE',
  MaxTokensExceeded: 'MAX_TOKENS_EXCEEDED',
  /** Hash-only (APQ) requests are not served yet: Apollo Client then sends the full document. */
  PersistedQueryNotSupported: 'PERSISTED_QUERY_NOT_SUPPORTED',
  InternalServerError: 'INTERNAL_SERVER_ERROR',
} as const;

/**
 * An operation the pipeline refused before anything was executed (nothing
 * reached a subgraph, nothing was charged). `status` is its HTTP status under
 * `application/graphql-response+json`; `requestError` marks the GraphQL request
 * errors (parse, validation, operation, variables, limits) that the GraphQL
 * over HTTP spec answers with 200 under legacy `application/json`. Credentials,
 * rate limits and methods keep their status everywhere.
 */
export class OperationRefusal extends Error {
  constructor(
    readonly errors: readonly GraphQLFormattedError[],
    readonly status: number,
    readonly requestError: boolean,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(errors[0]?.message ?? 'The operation was refused');
    this.name = 'OperationRefusal';
  }
}

/** A GraphQL request error: 400 (or 200 under application/json), one error with a code. */
export function requestError(code: string, message: string, extra: Partial<GraphQLFormattedError> = {}): OperationRefusal {
  return new OperationRefusal([{ message, ...extra, extensions: { code, ...extra.extensions } }], 400, true);
}

/** Several errors of one kind (validation reports them all), each with `code`. */
export function requestErrors(errors: readonly GraphQLError[], code: string, rewrite: (message: string) => string = (m) => m): OperationRefusal {
  return new OperationRefusal(
    errors.map((error) => ({
      message: rewrite(error.message),
      ...(error.locations && { locations: error.locations }),
      extensions: { ...error.extensions, code: (error.extensions?.code as string | undefined) ?? code },
    })),
    400,
    true,
  );
}

/** A refusal that is not a GraphQL request error (401, 403, 405, 429, 503): the same status for every media type. */
export function refusal(status: number, code: string, message: string, options: { headers?: Record<string, string>; extensions?: Record<string, unknown> } = {}): OperationRefusal {
  return new OperationRefusal([{ message, extensions: { code, ...options.extensions } }], status, false, options.headers);
}
