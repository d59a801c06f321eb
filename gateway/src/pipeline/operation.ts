import { Kind, getVariableValues, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { RequestErrorCode, refusal, requestError, requestErrors } from './refusal';
import type { ConnectionInfo } from './contract';

/** The operation a request runs, as execution picks it (GetOperation()). */
export function selectOperation(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode {
  let found: OperationDefinitionNode | undefined;
  let count = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    count++;
    if (operationName !== undefined ? definition.name?.value === operationName : count === 1) found = definition;
  }
  if (operationName === undefined && count > 1) found = undefined;
  if (!found) {
    throw requestError(
      RequestErrorCode.OperationResolutionFailure,
      operationName !== undefined ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.',
    );
  }
  return found;
}

/**
 * What a transport may run: never a mutation over GET (a safe method, and
 * CSRF-prone), and subscriptions only where results can stream.
 */
export function checkTransport(operation: OperationDefinitionNode, connection: ConnectionInfo): void {
  if (operation.operation === 'mutation' && connection.method === 'GET') {
    throw refusal(405, RequestErrorCode.BadRequest, 'Mutations cannot be sent with GET; use POST', { headers: { allow: 'POST' } });
  }
  if (operation.operation === 'subscription' && connection.transport === 'http') {
    throw requestError(
      RequestErrorCode.BadRequest,
      'Subscriptions are served over WebSocket (graphql-transport-ws) or Server-Sent Events (Accept: text/event-stream) on this path, not as a single HTTP response',
    );
  }
}

/** CoerceVariableValues(): the variables as the operation declares them, or BAD_USER_INPUT. */
export function coerceVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const definitions = operation.variableDefinitions ?? [];
  if (definitions.length === 0) return EMPTY;
  const coerced = getVariableValues(schema, definitions, raw ?? {}, { maxErrors: 25 });
  if (coerced.errors) throw requestErrors(coerced.errors, RequestErrorCode.BadUserInput);
  return coerced.coerced;
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;
