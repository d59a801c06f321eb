import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAuthenticator } from '../../../../gateway/src/auth/authenticate';
import { createTokenVerifier } from '../../../../gateway/src/auth/token-verifier';
import {
  attachGraphQLWebSocket,
  createSseHandler,
  wantsEventStream,
  type GraphQLWebSocketLimits,
  type GraphQLWebSocketTransport,
  type SseHandler,
  type SseLimits,
} from '../../../../gateway/src/transport';
import { sendJson } from '../../../../lib/http/errors';
import { startHttpServer } from '../../../../lib/http/server';
import { createLogger } from '../../../../lib/logger';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from '../../../support/tokens';
import { TicksEngine } from './ticks-engine';

export const GRAPHQL_PATH = '/graphql';

export interface Transports {
  /** `http://127.0.0.1:<port>/graphql` */
  url: string;
  /** `ws://127.0.0.1:<port>/graphql` */
  wsUrl: string;
  engine: TicksEngine;
  ws: GraphQLWebSocketTransport;
  sse: SseHandler;
  close(): Promise<void>;
}

/**
 * A real HTTP server on a free loopback port with both transports in front of
 * a TicksEngine and a real Authenticator (HS256 with the test secret, the
 * test issuer and audience). Requests that accept an event stream go to the
 * SSE handler, as the gateway routes them; upgrades on the path to graphql-ws.
 */
export async function startTransports(limits: { ws?: GraphQLWebSocketLimits; sse?: SseLimits } = {}): Promise<Transports> {
  const logger = createLogger('silent');
  const engine = new TicksEngine();
  const authenticator = createAuthenticator(
    createTokenVerifier(
      {
        secret: TEST_JWT_SECRET,
        jwksUrls: [],
        issuers: [TEST_ISSUER],
        audiences: [TEST_AUDIENCE],
        algorithms: ['HS256'],
        clockToleranceSec: 0,
        maxTokenBytes: 8192,
        jwksCooldownMs: 30_000,
        jwksCacheMaxAgeMs: 600_000,
        jwksTimeoutMs: 5_000,
      },
      logger,
    ),
  );
  const clientIp = (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown';
  const sse = createSseHandler({ engine, authenticator, logger, clientIp, maxBodyBytes: 16 * 1024, ...limits.sse });
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname === GRAPHQL_PATH && wantsEventStream(req)) return void sse.handle(req, res);
    sendJson(res, 404, { errors: [{ message: 'not served in this test', extensions: { code: 'NOT_FOUND' } }] });
  };
  const http = await startHttpServer(handler, { port: 0, host: '127.0.0.1' });
  const ws = attachGraphQLWebSocket(http.server, { path: GRAPHQL_PATH, engine, authenticator, logger, clientIp, ...limits.ws });
  return {
    url: `http://127.0.0.1:${http.port}${GRAPHQL_PATH}`,
    wsUrl: `ws://127.0.0.1:${http.port}${GRAPHQL_PATH}`,
    engine,
    ws,
    sse,
    async close() {
      // The gateway's order: transports first, then the HTTP server.
      await Promise.all([ws.close(), sse.close()]);
      await http.close(1_000);
    },
  };
}

/** Starts transports for a test and closes them after it (with whatever `onCleanup` registered). */
export function transportsFixture(): { start(limits?: Parameters<typeof startTransports>[0]): Promise<Transports>; onCleanup(cleanup: () => unknown): void } {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    const pending = cleanups.splice(0).reverse();
    for (const cleanup of pending) await cleanup();
  });
  return {
    async start(limits) {
      const transports = await startTransports(limits);
      cleanups.push(() => transports.close());
      return transports;
    },
    onCleanup(cleanup) {
      cleanups.push(cleanup);
    },
  };
}

/** Polls until `check` stops throwing (the only kind of timing these tests assert). */
export async function eventually<T>(check: () => T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
