import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import { parseJsonBody, readBody } from './body';
import { HttpError, TransportErrorCode, answerFailure, sendBody, sendJson } from './errors';
import type { Logger } from '../logger';
import type { RouteHandler } from './routes';


export interface GraphQLHttpHandlerOptions<TContext extends BaseContext> {
  /** A started Apollo Server. */
  server: ApolloServer<TContext>;
  /** Where GraphQL is served. Default: `/graphql`. */
  path?: string;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /**
   * Builds the per-request context, once per request and before the body is
   * read: throwing an HttpError here (401 for a bad credential, say) answers
   * the request without reading its body or running Apollo Server.
   */
  context: (req: IncomingMessage) => Promise<TContext>;
  /** Other routes on the same port (`/health`, `/ready`, `/metrics`), matched by exact path. */
  routes?: Record<string, RouteHandler>;
  /** Requests on the GraphQL path this handler takes instead of Apollo Server (GraphQL over SSE). */
  stream?: { matches(req: IncomingMessage): boolean; handle: RouteHandler };
  logger: Logger;
}

/**
 * The node:http adapter in front of Apollo Server: turns bytes into an
 * HTTPGraphQLRequest and the answer back into bytes, and answers everything
 * Apollo Server never sees (wrong path or method, oversized or malformed
 * bodies) with a GraphQL-shaped error. Used by the gateway and every subgraph.
 */
export function createGraphQLHttpHandler<TContext extends BaseContext>(
  options: GraphQLHttpHandlerOptions<TContext>,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { server, maxBodyBytes, context, logger } = options;
  const path = options.path ?? '/graphql';
  const routes = options.routes ?? {};

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
    const search = queryStart === -1 ? '' : url.slice(queryStart);

    const route = routes[pathname];
    if (route) return route(req, res);
    if (pathname !== path) throw new HttpError(404, TransportErrorCode.NotFound, `Not found: ${pathname}; GraphQL is served at ${path}`);
    if (options.stream?.matches(req)) return options.stream.handle(req, res);

    const requestContext = await context(req);
    let body: unknown;
    if (req.method === 'POST') {
      const contentType = req.headers['content-type'] ?? '';
      if (!/^application\/(graphql-response\+)?json\b/i.test(contentType) && !contentType.startsWith('application/json')) {
        throw new HttpError(
          415,
          TransportErrorCode.UnsupportedMediaType,
          'POST requests must have Content-Type: application/json',
        );
      }
      body = parseJsonBody(await readBody(req, maxBodyBytes));
      if (body === null || typeof body !== 'object') {
        throw new HttpError(400, TransportErrorCode.BadRequest, 'Request body must be a JSON object (or an array for batching)');
      }
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, TransportErrorCode.MethodNotAllowed, `Method ${req.method} is not allowed; use GET or POST`, {
        allow: 'GET, POST',
      });
    }

    const headers = new HeaderMap();
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      const existing = headers.get(name);
      headers.set(name, existing === undefined ? raw[i + 1] : `${existing}, ${raw[i + 1]}`);
    }

    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method!, headers, search, body },
      context: () => Promise.resolve(requestContext),
    });
    await writeResponse(res, response);
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => answerFailure(req, res, error, logger));
  };
}

async function writeResponse(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  if (response.body.kind === 'complete') return sendBody(res, response.status ?? 200, Object.fromEntries(response.headers), response.body.string);
  res.statusCode = response.status ?? 200;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  for await (const chunk of response.body.asyncIterator) {
    if (res.destroyed) break;
    res.write(chunk);
  }
  res.end();
}
