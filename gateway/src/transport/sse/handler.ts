import { DEFER_SPEC_20220824 } from '../../pipeline/incremental';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import { parseJsonBody, readBody } from '../../../../lib/http/body';
import { HttpError, TransportErrorCode, answerFailure, sendBody, sendHttpError } from '../../../../lib/http/errors';
import type { Logger } from '../../../../lib/logger';
import type { Authenticator } from '../../auth/authenticate';
import { onCallerExpiry } from '../../auth/expiry';
import { SUBSCRIPTION_JWT_EXPIRED } from '../../auth/errors';
import type { ConnectionInfo, OperationHandle, OperationRequest, ResultSink, StreamingEngine } from '../../pipeline/contract';
import { InvalidOperationRequest, isPlainObject, jsonParam, readOperationRequest, withoutTransportDetail } from '../operation-request';
import { withDefaults } from '../limits';
import { Registry } from '../registry';
import { COMPLETE_EVENT, EVENT_STREAM_HEADERS, LAST_EVENT_ID_HEADER, PING_COMMENT, STREAM_OPENED, errorsEvent, nextEvent } from './protocol';

export interface SseLimits {
  /** Interval of `: ping` comments on every open stream, so proxies keep idle streams open. Default: 15 000 ms. */
  pingIntervalMs?: number;
  /** Outgoing bytes a stream may have queued; above it the client is a slow consumer and its connection is cut. Default: 1 MiB. */
  maxBufferedBytes?: number;
  /** How long `close()` lets ended streams flush before their connections are destroyed. Default: 5 000 ms. */
  closeTimeoutMs?: number;
}

export const SSE_DEFAULTS: Required<SseLimits> = {
  pingIntervalMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  closeTimeoutMs: 5_000,
};

export interface SseHandlerOptions extends SseLimits {
  engine: StreamingEngine;
  authenticator: Authenticator;
  logger: Logger;
  /** The client address of a request (after X-Forwarded-For, when trusted). */
  clientIp(req: IncomingMessage): string;
  /** Largest accepted POST body, in bytes. */
  maxBodyBytes: number;
}

export interface SseHandler {
  /**
   * Serves one GraphQL over SSE request (distinct connections mode). Route
   * here only requests that accept `text/event-stream` (`wantsEventStream`).
   * Answers every error itself; never rejects.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Ends every open stream with `complete` and answers new requests with 503; resolves when they are closed (at most ~2 × closeTimeoutMs). */
  close(): Promise<void>;
  stats(): { streams: number };
  /** Streams cut because their client read too slowly, since start. */
  slowConsumerCloses(): number;
}

interface Stream {
  readonly res: ServerResponse;
  /** No more results: completed, errored, stopped (client gone, slow consumer, shutdown). */
  ended: boolean;
  handle: OperationHandle | null;
  /** Stopped before the engine handed its handle over. */
  stopWhenStarted: boolean;
}

const INTERNAL_ERROR: GraphQLFormattedError = { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };

/**
 * GraphQL over Server-Sent Events for clients that cannot open a WebSocket.
 * The engine's serialized results are written as `next` events unchanged;
 * every write first checks the response's outgoing buffer.
 */
export function createSseHandler(options: SseHandlerOptions): SseHandler {
  const { engine, authenticator, logger, maxBodyBytes } = options;
  const limits = withDefaults(SSE_DEFAULTS, options, 'sse');
  const streams = new Registry<Stream>();
  let closing: Promise<void> | null = null;
  let slowConsumerCloses = 0;

  const pings = setInterval(() => {
    for (const stream of streams) if (stream.res.headersSent) write(stream, PING_COMMENT);
  }, limits.pingIntervalMs);
  pings.unref();

  function open(stream: Stream): void {
    if (stream.res.headersSent) return;
    stream.res.writeHead(200, EVENT_STREAM_HEADERS);
    stream.res.write(STREAM_OPENED);
  }

  function write(stream: Stream, chunk: string): void {
    const { res } = stream;
    if (res.writableEnded || res.destroyed) return;
    if (res.writableLength > limits.maxBufferedBytes) {
      logger.warn('cutting an event stream whose client reads too slowly', { bufferedBytes: res.writableLength, limit: limits.maxBufferedBytes });
      // Not `complete`: the client must not take the subscription for finished.
      slowConsumerCloses++;
      stop(stream);
      res.destroy();
      return;
    }
    res.write(chunk);
  }

  /** The operation ended on the engine's side: `complete`, then the response ends. */
  function finish(stream: Stream): void {
    stream.ended = true;
    open(stream);
    write(stream, COMPLETE_EVENT);
    stream.res.end();
  }

  /** Ends the operation from our side and stops it in the engine. */
  function stop(stream: Stream): void {
    if (stream.ended) return;
    stream.ended = true;
    if (stream.handle) stream.handle.stop();
    else stream.stopWhenStarted = true;
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (closing) throw new HttpError(503, TransportErrorCode.ServiceUnavailable, 'The server is shutting down', { connection: 'close' });
    if (req.method !== 'GET' && req.method !== 'POST') {
      throw new HttpError(405, TransportErrorCode.MethodNotAllowed, `Method ${req.method} is not allowed; use GET or POST`, { allow: 'GET, POST' });
    }
    const caller = await authenticator.fromRequest(req);
    const request = await readRequest(req, maxBodyBytes);
    // @defer parts go as successive `next` events.
    const info: ConnectionInfo = { connectionId: randomUUID(), transport: 'sse', method: req.method as 'GET' | 'POST', clientIp: options.clientIp(req), incremental: DEFER_SPEC_20220824 };

    const stream: Stream = { res, ended: false, handle: null, stopWhenStarted: false };
    streams.add(stream);
    let cancelExpiry = () => {};
    res.once('close', () => {
      cancelExpiry();
      streams.delete(stream);
      stop(stream); // the client went away before the operation ended
    });
    // The engine may call the sink before `start` resolves (a query's single result does).
    const sink: ResultSink = {
      next(resultJson, eventId) {
        if (stream.ended) return;
        open(stream);
        write(stream, nextEvent(resultJson, eventId));
      },
      error(errors) {
        if (stream.ended) return;
        open(stream);
        write(stream, errorsEvent(errors));
        finish(stream);
      },
      complete() {
        if (!stream.ended) finish(stream);
      },
    };

    let started: Awaited<ReturnType<StreamingEngine['start']>>;
    try {
      started = await engine.start(caller, request, sink, info);
    } catch (error) {
      logger.error('sse: the engine failed to start an operation', { error, connectionId: info.connectionId });
      started = { errors: [INTERNAL_ERROR] };
    }
    if ('errors' in started) {
      if (!res.headersSent) return sendRejection(res, started.errors);
      return sink.error(withoutTransportDetail(started.errors));
    }
    if (stream.stopWhenStarted) started.stop();
    else if (!stream.ended) stream.handle = started;

    if (res.headersSent || res.destroyed) return;
    // Shut down while the engine was starting it: the client may retry elsewhere.
    if (closing) return sendHttpError(res, new HttpError(503, TransportErrorCode.ServiceUnavailable, 'The server is shutting down', { connection: 'close' }));
    open(stream);
    // A stream outlives the request that proved its caller: it ends when the token does.
    cancelExpiry = onCallerExpiry(caller, () => {
      if (stream.ended) return;
      stop(stream);
      write(stream, errorsEvent([{ message: 'The token of this subscription has expired', extensions: { code: SUBSCRIPTION_JWT_EXPIRED } }]));
      finish(stream);
    });
  }

  return {
    async handle(req, res) {
      try {
        await serve(req, res);
      } catch (error) {
        answerFailure(req, res, error, logger);
      }
    },
    close() {
      closing ??= (async () => {
        clearInterval(pings);
        for (const stream of streams) {
          if (stream.ended) continue;
          stop(stream);
          if (stream.res.headersSent) {
            write(stream, COMPLETE_EVENT);
            stream.res.end();
          }
        }
        await streams.drained(limits.closeTimeoutMs, (stream) => stream.res.destroy());
      })();
      return closing;
    },
    stats() {
      return { streams: streams.size };
    },
    slowConsumerCloses: () => slowConsumerCloses,
  };
}

/** The operation of a GET (query string) or POST (JSON body) request. */
async function readRequest(req: IncomingMessage, maxBodyBytes: number): Promise<OperationRequest> {
  let raw: unknown;
  if (req.method === 'GET') {
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    raw = {
      query: params.get('query') ?? undefined,
      operationName: params.get('operationName'),
      variables: jsonParam(params, 'variables'),
      extensions: jsonParam(params, 'extensions'),
    };
  } else {
    const contentType = req.headers['content-type'] ?? '';
    if (!/^application\/(graphql-response\+)?json\b/i.test(contentType)) {
      throw new HttpError(415, TransportErrorCode.UnsupportedMediaType, 'POST requests must have Content-Type: application/json');
    }
    raw = parseJsonBody(await readBody(req, maxBodyBytes));
  }
  try {
    return withLastEventId(readOperationRequest(raw), req);
  } catch (error) {
    if (error instanceof InvalidOperationRequest) throw new HttpError(400, TransportErrorCode.BadRequest, error.message);
    throw error;
  }
}

/**
 * A reconnecting EventSource's `Last-Event-ID` resumes the subscription:
 * the pipeline reads it as `extensions.resumeFrom` (which a request may also
 * send itself, and which wins).
 */
function withLastEventId(request: OperationRequest, req: IncomingMessage): OperationRequest {
  const header = req.headers[LAST_EVENT_ID_HEADER];
  const lastEventId = Array.isArray(header) ? header[0] : header;
  if (lastEventId === undefined || lastEventId === '' || request.extensions?.resumeFrom !== undefined) return request;
  return { ...request, extensions: { ...request.extensions, resumeFrom: lastEventId } };
}

/**
 * An operation the engine refused to start, answered before any stream: the
 * status (and headers) its errors ask for in `extensions.http` (400 when none
 * does), the errors in a JSON body without that transport detail.
 */
function sendRejection(res: ServerResponse, errors: readonly GraphQLFormattedError[]): void {
  let status = 400;
  const headers: Record<string, string> = {};
  let statusChosen = false;
  const shown = errors.map((error) => {
    const http = error.extensions?.http;
    if (!isPlainObject(http)) return error;
    if (!statusChosen && Number.isInteger(http.status) && (http.status as number) >= 400 && (http.status as number) <= 599) {
      status = http.status as number;
      statusChosen = true;
    }
    if (isPlainObject(http.headers)) {
      for (const [name, value] of Object.entries(http.headers)) if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
    const { http: _transportOnly, ...extensions } = error.extensions!;
    return { ...error, extensions };
  });
  const body = JSON.stringify({ errors: shown });
  sendBody(res, status, { ...headers, 'content-type': 'application/json; charset=utf-8' }, body);
}
