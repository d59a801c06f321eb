import type { GraphQLFormattedError } from 'graphql';
import type { CompletedInstance, DeferredInstance, InitialPart, SubsequentPart } from '../execution';

/**
 * The two shapes of incremental (@defer) payloads clients speak:
 * - `deferSpec=20220824`: what Apollo Client 3, Apollo Router and Relay read —
 *   `{ data, hasNext }`, then `{ incremental: [{ data, path, label }], hasNext }`;
 * - `incrementalSpec=v0.2`: graphql-js 17's — parts announced in `pending`
 *   with an id, delivered in `incremental`, closed in `completed`.
 * The transport picks one (HTTP from `Accept`; graphql-ws and SSE use the
 * first) and frames the payloads; their shape is decided here, once.
 */
export type IncrementalFormat = 'deferSpec=20220824' | 'incrementalSpec=v0.2';

export const DEFER_SPEC_20220824: IncrementalFormat = 'deferSpec=20220824';
export const INCREMENTAL_SPEC_V02: IncrementalFormat = 'incrementalSpec=v0.2';

type Payload = Record<string, unknown>;
type FormatError = (error: GraphQLFormattedError) => GraphQLFormattedError;

export function initialPayload(format: IncrementalFormat, part: InitialPart, formatError: FormatError, extensions?: Record<string, unknown>): Payload {
  const payload: Payload = { data: part.data };
  if (part.errors) payload.errors = part.errors.map(formatError);
  if (format === INCREMENTAL_SPEC_V02 && part.pending.length > 0) payload.pending = part.pending.map(pendingEntry);
  payload.hasNext = part.hasNext;
  if (extensions) payload.extensions = extensions;
  return payload;
}

export function subsequentPayload(format: IncrementalFormat, part: SubsequentPart, formatError: FormatError, extensions?: Record<string, unknown>): Payload {
  const payload: Payload = {};
  if (format === DEFER_SPEC_20220824) {
    payload.incremental = part.completed.map((instance) => ({
      data: instance.data,
      path: instance.path,
      ...(instance.label !== undefined && { label: instance.label }),
      ...(instance.errors && { errors: instance.errors.map(formatError) }),
    }));
  } else {
    if (part.pending.length > 0) payload.pending = part.pending.map(pendingEntry);
    const delivered = part.completed.filter((instance) => instance.data !== null);
    if (delivered.length > 0) payload.incremental = delivered.map((instance) => ({ id: instance.id, data: instance.data, ...(instance.errors && { errors: instance.errors.map(formatError) }) }));
    payload.completed = part.completed.map((instance) => completedEntry(instance, formatError));
  }
  payload.hasNext = part.hasNext;
  if (extensions) payload.extensions = extensions;
  return payload;
}

function pendingEntry(instance: DeferredInstance): Payload {
  return { id: instance.id, path: instance.path, ...(instance.label !== undefined && { label: instance.label }) };
}

/** A fragment whose data nulled out (a non-null field inside it was null) completes with its errors instead. */
function completedEntry(instance: CompletedInstance, formatError: FormatError): Payload {
  return instance.data === null && instance.errors ? { id: instance.id, errors: instance.errors.map(formatError) } : { id: instance.id };
}
