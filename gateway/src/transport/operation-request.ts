import { HttpError, TransportErrorCode } from '../../../lib/http/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { OperationRequest } from '../pipeline/contract';

/** Why a client's operation request is not one: safe to show the client (no values echoed back). */
export class InvalidOperationRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOperationRequest';
  }
}

/**
 * The operation a client asked for (a graphql-ws `subscribe` payload, an SSE
 * request body or query string), checked field by field with the rules of the
 * GraphQL over HTTP spec that graphql-ws and graphql-sse share: `query` is a
 * string; `variables` and `extensions` are objects, null or absent;
 * `operationName` is a string, null or absent. A request without `query`
 * is one only when it names a persisted document (`extensions.persistedQuery`
 * or `documentId`), which the pipeline looks up. What the query means is the pipeline's business.
 */
export function readOperationRequest(value: unknown): OperationRequest {
  if (!isPlainObject(value)) throw new InvalidOperationRequest(`The operation must be a JSON object; got ${kindOf(value)}`);
  const { query, variables, operationName, extensions, documentId } = value;
  if (documentId != null && typeof documentId !== 'string') throw new InvalidOperationRequest(`"documentId" must be a string; got ${kindOf(documentId)}`);
  const persisted = (isPlainObject(extensions) && extensions.persistedQuery !== undefined) || typeof documentId === 'string';
  if (typeof query !== 'string' && !(persisted && query == null)) throw new InvalidOperationRequest(`"query" must be a string; got ${kindOf(query)}`);
  if (variables != null && !isPlainObject(variables)) throw new InvalidOperationRequest(`"variables" must be an object; got ${kindOf(variables)}`);
  if (operationName != null && typeof operationName !== 'string') {
    throw new InvalidOperationRequest(`"operationName" must be a string; got ${kindOf(operationName)}`);
  }
  if (extensions != null && !isPlainObject(extensions)) throw new InvalidOperationRequest(`"extensions" must be an object; got ${kindOf(extensions)}`);
  return {
    query: typeof query === 'string' ? query : '',
    variables: (variables as Record<string, unknown> | null | undefined) ?? null,
    operationName: (operationName as string | null | undefined) ?? null,
    extensions: (extensions as Record<string, unknown> | null | undefined) ?? null,
    ...(typeof documentId === 'string' && { documentId }),
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON kind of a value, for messages that must not echo client data. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  return `a ${typeof value}`;
}

/** A JSON-encoded query-string parameter (GET `variables`, `extensions`); absent or empty is undefined. */
export function jsonParam(params: URLSearchParams, name: string): unknown {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new HttpError(400, TransportErrorCode.BadRequest, `The "${name}" parameter must be JSON`);
  }
}

/** Errors as a streaming client sees them: `extensions.http` (the status SSE answers before a stream) stays on the server. */
export function withoutTransportDetail(errors: readonly GraphQLFormattedError[]): GraphQLFormattedError[] {
  return errors.map((error) => {
    if (!error.extensions || !('http' in error.extensions)) return error;
    const { http: _transportOnly, ...extensions } = error.extensions;
    return { ...error, extensions };
  });
}
