import WebSocket from 'ws';
import { createAuthenticator } from '../../../gateway/src/auth/authenticate';
import { createTokenVerifier } from '../../../gateway/src/auth/token-verifier';
import type { ResultSink, StreamingEngine } from '../../../gateway/src/pipeline/contract';
import { attachGraphQLWebSocket, CloseCode, type GraphQLWebSocketTransport } from '../../../gateway/src/transport';
import { startHttpServer, type RunningHttpServer } from '../../../lib/http/server';
import { createLogger } from '../../../lib/logger';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from '../../support/tokens';

/**
 * A subscriber that stops reading while its events keep coming is dropped
 * instead of buffered without bound, and told the last event id it was sent,
 * so it can resume from there (graphql-ws `extensions.resumeFrom`).
 */
const RESULT = (id: string) => JSON.stringify({ data: { flood: 'x'.repeat(16_384) }, extensions: { eventId: id } });

/** An engine whose one subscription floods the sink with large events, ids 1-0, 2-0, ... until stopped. */
class FloodEngine implements StreamingEngine {
  stopped = false;
  async start(_caller: unknown, _request: unknown, sink: ResultSink) {
    let seq = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 8 && !this.stopped; i++) {
        seq++;
        sink.next(RESULT(`${seq}-0`), `${seq}-0`);
      }
    }, 1);
    return {
      stop: () => {
        this.stopped = true;
        clearInterval(timer);
      },
    };
  }
}

let http: RunningHttpServer;
let ws: GraphQLWebSocketTransport;
const engine = new FloodEngine();
beforeAll(async () => {
  const logger = createLogger('silent');
  const verifier = createTokenVerifier(
    { secret: TEST_JWT_SECRET, jwksUrls: [], issuers: [TEST_ISSUER], audiences: [TEST_AUDIENCE], algorithms: ['HS256'], clockToleranceSec: 0, maxTokenBytes: 8192, jwksCooldownMs: 30_000, jwksCacheMaxAgeMs: 600_000, jwksTimeoutMs: 5_000 },
    logger,
  );
  http = await startHttpServer((_req, res) => res.end(), { port: 0, host: '127.0.0.1' });
  ws = attachGraphQLWebSocket(http.server, { path: '/graphql', engine, authenticator: createAuthenticator(verifier), logger, clientIp: () => '127.0.0.1', maxBufferedBytes: 64 * 1024 });
});
afterAll(async () => {
  await ws.close();
  await http.close(1_000);
});

it('drops a WebSocket that stops reading with SLOW_CONSUMER naming the last event id it was sent, then close 1008', async () => {
  const socket = new WebSocket(`ws://127.0.0.1:${http.port}/graphql`, 'graphql-transport-ws');
  const messages: any[] = [];
  socket.on('message', (raw) => messages.push(JSON.parse(String(raw))));
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await new Promise<void>((resolve) => socket.once('message', () => resolve()));
  // The client stops reading; the subscription floods it.
  (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
  socket.send(JSON.stringify({ id: 'flood', type: 'subscribe', payload: { query: 'subscription { flood }' } }));
  while (!engine.stopped) await new Promise((r) => setTimeout(r, 10));
  // Reading again, it finds what was sent before the drop, the error, then the close frame.
  (socket as unknown as { _socket: { resume(): void } })._socket.resume();
  expect(await closed).toBe(CloseCode.PolicyViolation);
  const nexts = messages.filter((m) => m.type === 'next');
  const [error] = messages.filter((m) => m.type === 'error');
  expect(nexts.length).toBeGreaterThan(0);
  expect(nexts.map((m) => m.payload.extensions.eventId)).toEqual(nexts.map((_, i) => `${i + 1}-0`));
  expect(error).toEqual({ id: 'flood', type: 'error', payload: [expect.objectContaining({ extensions: { code: 'SLOW_CONSUMER', lastEventId: nexts.at(-1).payload.extensions.eventId } })] });
  expect(messages.at(-1)).toBe(error);
});
