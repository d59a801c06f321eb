import type { IncomingMessage } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';

/**
 * The wire format of GraphQL over Server-Sent Events, "distinct connections
 * mode" (https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md):
 * one request per operation, its results as `next` events, then `complete`.
 */

export const EVENT_STREAM = 'text/event-stream';

/** Headers of an accepted stream. `x-accel-buffering: no` keeps nginx from holding events back. */
export const EVENT_STREAM_HEADERS = {
  'content-type': `${EVENT_STREAM}; charset=utf-8`,
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** Written first: some browsers only expose the stream once a first chunk arrives after the headers. */
export const STREAM_OPENED = ':\n\n';

/** A comment line, ignored by clients, so proxies do not close an idle stream. */
export const PING_COMMENT = ': ping\n\n';

/** `complete` with an empty `data:` field: EventSource dispatches no event without one. */
export const COMPLETE_EVENT = 'event: complete\ndata:\n\n';

/**
 * A `next` event carrying one serialized ExecutionResult, with an `id:` field
 * for a subscription's event (the browser's EventSource sends it back as
 * `Last-Event-ID` when it reconnects). Serialized JSON has no raw line
 * breaks, but a pretty-printed one would end the event early, so each of its
 * lines gets its own `data:` field (clients join them again).
 */
export function nextEvent(resultJson: string, eventId?: string): string {
  const data = /[\r\n]/.test(resultJson) ? resultJson.replace(/\r\n|\r|\n/g, '\ndata: ') : resultJson;
  return eventId === undefined || /[\r\n]/.test(eventId) ? `event: next\ndata: ${data}\n\n` : `id: ${eventId}\nevent: next\ndata: ${data}\n\n`;
}

/** The header a reconnecting EventSource sends: the subscription resumes after it (as graphql-ws `extensions.resumeFrom`). */
export const LAST_EVENT_ID_HEADER = 'last-event-id';

/** Errors after the stream started: a `next` event with them (the `complete` follows). */
export function errorsEvent(errors: readonly GraphQLFormattedError[]): string {
  return nextEvent(JSON.stringify({ errors }));
}

/** The request asks for an event stream: an `Accept` media range `text/event-stream` (not with q=0). */
export function wantsEventStream(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (!accept) return false;
  for (const range of accept.split(',')) {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type !== EVENT_STREAM) continue;
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    if (quality === undefined || Number(quality.slice(2)) > 0) return true;
  }
  return false;
}
