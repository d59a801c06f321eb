import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJsonBody, readBody } from '../../../../lib/http/body';
import { HttpError, TransportErrorCode, answerFailure, sendBody } from '../../../../lib/http/errors';
import type { RouteHandler } from '../../../../lib/http/routes';
import type { Logger } from '../../../../lib/logger';
import type { Authenticator } from '../../auth/authenticate';
import { httpCaching } from '../../cache/http';
import type { ConnectionInfo, IncrementalResponse, OperationRequest, Pipeline, SingleAnswer } from '../../pipeline';
import type { IncrementalFormat } from '../../pipeline/incremental';
import { InvalidOperationRequest, jsonParam, readOperationRequest } from '../operation-request';
import { GRAPHQL_RESPONSE_JSON, HTML, JSON_MEDIA_TYPE, MULTIPART_MIXED, incrementalFormatOf, negotiate, type ResponseMediaType } from './negotiate';

export interface GraphQLHttpOptions {
  /** Where GraphQL is served, e.g. `/graphql`. */
  path: string;
  pipeline: Pick<Pipeline, 'execute'>;
  authenticator: Authenticator;
  /** Largest accepted request body, in bytes (413 beyond, refused before it is read when declared). */
  maxBodyBytes: number;
  /** The client address of a request (after X-Forwarded-For, when trusted). */
  clientIp(req: IncomingMessage): string;
  /** Other routes on the same port (`/health`, `/ready`, `/metrics`), matched by exact path. */
  routes: Record<string, RouteHandler>;
  /** Requests on the GraphQL path served as a stream (GraphQL over SSE). */
  stream?: { matches(req: IncomingMessage): boolean; handle: RouteHandler };
  /** The IDE page for browsers; absent: no IDE (production). */
  idePage?: string;
  logger: Logger;
}

/** Content types a browser may send cross-site without a CORS preflight (so a request bearing one may be forged). */
const SIMPLE_CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];
/** Any of these headers makes a browser preflight the request, so its presence proves the request is not a forged simple one. */
const PREFLIGHT_HEADERS = ['graphql-require-preflight', 'apollo-require-preflight', 'x-apollo-operation-name'];

/**
 * GraphQL over HTTP, the thin adapter in front of the pipeline: it turns a
 * request into (caller, operation request) and the pipeline's answer back
 * into bytes, following the graphql-over-http spec (POST JSON, GET query
 * string, Accept negotiation and its status codes, 405 for mutations over
 * GET), and answers what never reaches the pipeline (wrong path or method,
 * oversized or malformed bodies, forgeable GETs) with a GraphQL-shaped error.
 */
export function createGraphQLHttpHandler(options: GraphQLHttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { path, pipeline, authenticator, maxBodyBytes, routes, logger } = options;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
    const route = routes[pathname];
    if (route) return route(req, res);
    if (pathname !== path) throw new HttpError(404, TransportErrorCode.NotFound, `Not found: ${pathname}; GraphQL is served at ${path}`);
    if (options.stream?.matches(req)) return options.stream.handle(req, res);

    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (method !== 'GET' && method !== 'POST') {
      throw new HttpError(405, TransportErrorCode.MethodNotAllowed, `Method ${req.method} is not allowed; use GET or POST`, { allow: 'GET, POST' });
    }
    const media = negotiate(req.headers.accept, { html: method === 'GET' && options.idePage !== undefined });
    if (!media) {
      throw new HttpError(406, TransportErrorCode.NotAcceptable, `Cannot answer in any media type the request accepts; accept ${GRAPHQL_RESPONSE_JSON} or ${JSON_MEDIA_TYPE}`);
    }
    if (media === HTML) return sendPage(res, options.idePage!);

    const caller = await authenticator.fromRequest(req);
    const request = method === 'POST' ? await readPost(req, maxBodyBytes) : readGet(req, queryStart === -1 ? '' : url.slice(queryStart + 1));
    const incremental = incrementalFormatOf(req.headers.accept);
    const connection: ConnectionInfo = { connectionId: '', transport: 'http', method, clientIp: options.clientIp(req), ...(incremental && { incremental }) };
    const answer = await pipeline.execute(caller, request, connection);
    if (answer.kind === 'incremental') return writeParts(res, incremental!, answer, logger);
    writeAnswer(req, res, media, answer);
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => answerFailure(req, res, error, logger));
  };
}

async function readPost(req: IncomingMessage, maxBodyBytes: number): Promise<OperationRequest> {
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (!contentType.startsWith('application/json') && !contentType.startsWith(GRAPHQL_RESPONSE_JSON)) {
    throw new HttpError(415, TransportErrorCode.UnsupportedMediaType, 'POST requests must have Content-Type: application/json');
  }
  const body = parseJsonBody(await readBody(req, maxBodyBytes));
  if (Array.isArray(body)) throw new HttpError(400, TransportErrorCode.BadRequest, 'Batched requests are not supported; send one operation per request');
  return checked(body);
}

/** GET: the query string, from a request a browser cannot have sent cross-site without asking (CSRF). */
function readGet(req: IncomingMessage, search: string): OperationRequest {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const preflighted = (contentType !== '' && !SIMPLE_CONTENT_TYPES.includes(contentType)) || PREFLIGHT_HEADERS.some((name) => req.headers[name] !== undefined);
  if (!preflighted) {
    throw new HttpError(
      400,
      TransportErrorCode.BadRequest,
      'This GET request could have been forged by another site (CSRF): send a GraphQL-Require-Preflight: true header (or Apollo-Require-Preflight), or POST with Content-Type: application/json',
    );
  }
  const params = new URLSearchParams(search);
  return checked({
    query: params.get('query') ?? undefined,
    operationName: params.get('operationName') || undefined,
    variables: jsonParam(params, 'variables'),
    extensions: jsonParam(params, 'extensions'),
    documentId: params.get('documentId') ?? undefined,
  });
}

function checked(value: unknown): OperationRequest {
  try {
    return readOperationRequest(value);
  } catch (error) {
    if (error instanceof InvalidOperationRequest) throw new HttpError(400, TransportErrorCode.BadRequest, error.message);
    throw error;
  }
}

/**
 * The status follows the media type: under application/graphql-response+json
 * a request error is a 4xx; under legacy application/json every well-formed
 * request is a 200 (the body says what went wrong). Credentials, rate limits
 * and methods (401, 403, 405, 429) keep their status under both.
 */
function writeAnswer(req: IncomingMessage, res: ServerResponse, media: ResponseMediaType, answer: Exclude<SingleAnswer, IncrementalResponse>): void {
  let status = 200;
  let headers: Readonly<Record<string, string>>;
  let body: string;
  if (answer.kind === 'refused') {
    const { refusal } = answer;
    status = media === JSON_MEDIA_TYPE && refusal.requestError ? 200 : refusal.status;
    headers = refusal.headers;
    body = JSON.stringify({ errors: refusal.errors });
  } else {
    body = JSON.stringify(answer.result);
    // Cache-Control (entity cache), ETag and 304 for public GET answers.
    const caching = httpCaching(req, answer.headers, answer.result);
    if (caching.notModified) return void res.writeHead(304, caching.headers).end();
    headers = caching.headers;
  }
  sendBody(res, status, { ...headers, 'content-type': `${media}; charset=utf-8` }, body);
}

const BOUNDARY = 'graphql';
const PART_HEAD = `\r\n--${BOUNDARY}\r\ncontent-type: application/json; charset=utf-8\r\n\r\n`;

/**
 * An answer in parts (@defer) as `multipart/mixed` (the framing Apollo
 * Router and Apollo Client use): each payload one JSON part, written as it
 * is ready; the stream ends with the closing boundary. A failure midway ends
 * it with a last part that says so; a client that leaves stops the writing.
 */
async function writeParts(res: ServerResponse, format: IncrementalFormat, answer: IncrementalResponse, logger: Logger): Promise<void> {
  const { payload, headers } = await answer.initial;
  res.writeHead(200, { ...headers, 'content-type': `${MULTIPART_MIXED};boundary="${BOUNDARY}";${format}`, 'cache-control': 'no-cache' });
  res.write(PART_HEAD + JSON.stringify(payload));
  try {
    for await (const part of answer.subsequent) {
      if (res.destroyed) return;
      res.write(PART_HEAD + JSON.stringify(part));
    }
  } catch (error) {
    logger.error('incremental delivery failed', { error });
    res.write(PART_HEAD + JSON.stringify({ hasNext: false, errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
  }
  res.end(`\r\n--${BOUNDARY}--\r\n`);
}

function sendPage(res: ServerResponse, html: string): void {
  sendBody(res, 200, { 'content-type': 'text/html; charset=utf-8' }, html);
}
