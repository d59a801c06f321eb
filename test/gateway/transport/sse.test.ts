import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { FormattedExecutionResult } from 'graphql';
import { createClient, NetworkError } from 'graphql-sse';
import { hsToken } from '../../support/tokens';
import { eventually, transportsFixture } from './support/servers';

const TICKS = 'subscription($n: Int!) { ticks(n: $n) }';
const IDLE = 'subscription { idle }';
const EVENT_STREAM = { accept: 'text/event-stream' };
const JSON_BODY = { 'content-type': 'application/json' };

type Result = FormattedExecutionResult<Record<string, unknown>, unknown>;

/** The error codes of a JSON answer. */
async function errorCodes(res: Response): Promise<string[]> {
  const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
  return body.errors.map((error) => error.extensions.code);
}

describe('GraphQL over SSE transport (distinct connections mode)', () => {
  const fixture = transportsFixture();

  /** graphql-sse's own client, one connection per operation, no retries. */
  function sseClient(url: string, headers: Record<string, string> = {}) {
    const client = createClient({ url, singleConnection: false, retryAttempts: 0, headers });
    fixture.onCleanup(() => client.dispose());
    return client;
  }

  function run(client: ReturnType<typeof sseClient>, query: string, variables?: Record<string, unknown>) {
    const results: Result[] = [];
    let unsubscribe: () => void = () => {};
    const done = new Promise<'complete' | unknown>((resolve) => {
      unsubscribe = client.subscribe<Record<string, unknown>, unknown>(
        { query, variables },
        { next: (result) => void results.push(result), error: resolve, complete: () => resolve('complete') },
      );
    });
    return { results, done, unsubscribe };
  }

  /** A streaming POST with fetch; aborted after the test. */
  async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const abort = new AbortController();
    fixture.onCleanup(() => abort.abort());
    return fetch(url, { method: 'POST', headers: { ...EVENT_STREAM, ...JSON_BODY, ...headers }, body: JSON.stringify(body), signal: abort.signal });
  }

  /** Reads a streaming body until `done(textSoFar)` holds (or the body ends). */
  async function readUntil(res: Response, done: (text: string) => boolean = () => false): Promise<string> {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (value) text += decoder.decode(value, { stream: true });
      if (ended || done(text)) break;
    }
    reader.releaseLock();
    return text;
  }

  describe('with the graphql-sse client', () => {
    it('streams every result of a subscription, then completes', async () => {
      const { url, engine } = await fixture.start();
      const ticks = run(sseClient(url), TICKS, { n: 3 });
      expect(await ticks.done).toBe('complete');
      expect(ticks.results).toEqual([{ data: { ticks: 1 } }, { data: { ticks: 2 } }, { data: { ticks: 3 } }]);
      expect(engine.running('ticks')[0].connection).toMatchObject({ transport: 'sse', clientIp: '127.0.0.1' });
    });

    it('authenticates the request from its Authorization header', async () => {
      const { url } = await fixture.start();
      const whoami = run(sseClient(url, { authorization: `Bearer ${await hsToken({ sub: 'bob' })}` }), 'subscription { whoami }');
      expect(await whoami.done).toBe('complete');
      expect(whoami.results).toEqual([{ data: { whoami: 'bob' } }]);
    });

    it('reports an error the engine raises midway as a next event with the errors, then completes', async () => {
      const { url } = await fixture.start();
      const failing = run(sseClient(url), 'subscription { failing }');
      expect(await failing.done).toBe('complete');
      expect(failing.results).toEqual([{ data: { failing: 1 } }, { errors: [{ message: 'The ticker broke', extensions: { code: 'TICKER_BROKEN' } }] }]);
    });

    it('stops the engine handle when the client unsubscribes (closes the request)', async () => {
      const { url, engine, sse } = await fixture.start();
      const idle = run(sseClient(url), IDLE);
      const [operation] = await eventually(() => {
        expect(engine.running('idle')).toHaveLength(1);
        return engine.running('idle');
      });
      expect(sse.stats()).toEqual({ streams: 1 });
      idle.unsubscribe();
      await eventually(() => expect(operation.stopCalls).toBe(1));
      await eventually(() => expect(sse.stats()).toEqual({ streams: 0 }));
    });

    it('surfaces a refused token as a 401 response to the client', async () => {
      const { url, engine } = await fixture.start();
      const refused = run(sseClient(url, { authorization: 'Bearer not-a-jwt' }), TICKS, { n: 1 });
      const error = (await refused.done) as NetworkError<Response>;
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.response?.status).toBe(401);
      expect(engine.operations).toEqual([]);
    });
  });

  describe('on the wire', () => {
    it('writes `event: next` with each serialized result and ends with `event: complete` and an empty data field', async () => {
      const { url } = await fixture.start();
      const res = await post(url, { query: TICKS, variables: { n: 2 } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(':\n\nevent: next\ndata: {"data":{"ticks":1}}\n\nevent: next\ndata: {"data":{"ticks":2}}\n\nevent: complete\ndata:\n\n');
    });

    it('serves GET requests with the operation in the query string', async () => {
      const { url } = await fixture.start();
      const search = new URLSearchParams({ query: TICKS, variables: JSON.stringify({ n: 1 }) });
      const res = await fetch(`${url}?${search}`, { headers: EVENT_STREAM });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(':\n\nevent: next\ndata: {"data":{"ticks":1}}\n\nevent: complete\ndata:\n\n');
    });

    it('streams a result the engine emits before start() resolves (a query)', async () => {
      const { url } = await fixture.start();
      const res = await post(url, { query: '{ hello }' });
      expect(await res.text()).toBe(':\n\nevent: next\ndata: {"data":{"hello":"world"}}\n\nevent: complete\ndata:\n\n');
    });

    it('writes nothing after complete, however the engine misbehaves', async () => {
      const { url } = await fixture.start();
      const res = await post(url, { query: 'subscription { unruly }' });
      expect(await res.text()).toBe(':\n\nevent: next\ndata: {"data":{"unruly":1}}\n\nevent: complete\ndata:\n\n');
    });

    it('keeps an idle stream alive with `: ping` comments', async () => {
      const { url } = await fixture.start({ sse: { pingIntervalMs: 20 } });
      const res = await post(url, { query: IDLE });
      const text = await readUntil(res, (soFar) => soFar.split(': ping\n\n').length > 2);
      expect(text).toMatch(/^:\n\n(: ping\n\n){2,}$/);
    });
  });

  describe('refusals, answered as JSON before any stream', () => {
    it('answers a refused token with 401, a WWW-Authenticate challenge and UNAUTHENTICATED', async () => {
      const { url } = await fixture.start();
      const res = await post(url, { query: TICKS, variables: { n: 1 } }, { authorization: `Bearer ${await hsToken({ expiresIn: -60 })}` });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="graphql", error="invalid_token"/);
      expect(await res.json()).toEqual({ errors: [{ message: 'The token has expired', extensions: { code: 'UNAUTHENTICATED' } }] });
    });

    it('answers an operation the engine refuses with 400 and its errors', async () => {
      const { url } = await fixture.start();
      const res = await post(url, { query: 'subscription { nope }' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await res.json()).toEqual({ errors: [{ message: 'Cannot query field "nope" on type "subscription"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    });

    it('answers with the status an error asks for in extensions.http, without that extension in the body', async () => {
      const { url } = await fixture.start();
      const res = await post(url, { query: 'subscription { forbidden }' });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ errors: [{ message: 'Not for you', extensions: { code: 'FORBIDDEN' } }] });
    });

    it.each([
      ['a method other than GET and POST', { method: 'PUT', headers: EVENT_STREAM }, 405, 'METHOD_NOT_ALLOWED'],
      ['a POST that is not JSON', { method: 'POST', headers: { ...EVENT_STREAM, 'content-type': 'text/plain' }, body: 'subscription { idle }' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['malformed JSON', { method: 'POST', headers: { ...EVENT_STREAM, ...JSON_BODY }, body: '{"query":' }, 400, 'BAD_REQUEST'],
      ['a body without a query', { method: 'POST', headers: { ...EVENT_STREAM, ...JSON_BODY }, body: '{"variables":{}}' }, 400, 'BAD_REQUEST'],
      ['a batch (an array body)', { method: 'POST', headers: { ...EVENT_STREAM, ...JSON_BODY }, body: '[{"query":"{ hello }"}]' }, 400, 'BAD_REQUEST'],
      ['a body over maxBodyBytes', { method: 'POST', headers: { ...EVENT_STREAM, ...JSON_BODY }, body: JSON.stringify({ query: `{ hello } # ${'x'.repeat(20_000)}` }) }, 413, 'PAYLOAD_TOO_LARGE'],
    ])('answers %s with %i', async (_case, init: RequestInit, status, code) => {
      const { url, engine } = await fixture.start();
      const res = await fetch(url, init);
      expect(res.status).toBe(status);
      expect(await errorCodes(res)).toEqual([code]);
      expect(engine.operations).toEqual([]);
    });

    it('answers a GET whose variables are not JSON with 400', async () => {
      const { url } = await fixture.start();
      const res = await fetch(`${url}?${new URLSearchParams({ query: TICKS, variables: '{n:1' })}`, { headers: EVENT_STREAM });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ errors: [{ message: 'The "variables" parameter must be JSON', extensions: { code: 'BAD_REQUEST' } }] });
    });
  });

  describe('limits and shutdown', () => {
    it('cuts the connection of a slow consumer and stops its operation instead of buffering without bound', async () => {
      const { url, engine, sse } = await fixture.start({ sse: { maxBufferedBytes: 64 * 1024 } });
      // A client that never reads its response: node's http leaves it paused.
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpRequest(url, { method: 'POST', headers: { ...EVENT_STREAM, ...JSON_BODY } }, resolve);
        req.on('error', reject);
        req.end(JSON.stringify({ query: 'subscription { flood(size: 16384) }' }));
        fixture.onCleanup(() => req.destroy());
      });
      response.on('error', () => {});
      expect(response.statusCode).toBe(200);
      await eventually(() => expect(engine.running('flood').map((operation) => operation.stopCalls)).toEqual([1]));
      await eventually(() => expect(sse.stats()).toEqual({ streams: 0 }));
      // What was written is dropped with the connection: no complete (the subscription did not finish).
      response.resume();
      const tail = await new Promise<string>((resolve) => {
        let last = '';
        response.on('data', (chunk: Buffer) => (last = (last + chunk.toString()).slice(-64)));
        response.on('close', () => resolve(last));
      });
      expect(tail).not.toContain('event: complete');
    });

    it('ends every open stream with complete on close(), stopping the handles, and answers new requests with 503', async () => {
      const { url, engine, sse } = await fixture.start();
      const streams = await Promise.all([post(url, { query: IDLE }), post(url, { query: IDLE })]);
      await eventually(() => expect(engine.running('idle')).toHaveLength(2));

      await sse.close();

      for (const res of streams) expect(await res.text()).toBe(':\n\nevent: complete\ndata:\n\n');
      expect(engine.running('idle').map((operation) => operation.stopCalls)).toEqual([1, 1]);
      expect(sse.stats()).toEqual({ streams: 0 });
      const late = await post(url, { query: IDLE });
      expect(late.status).toBe(503);
      expect(await errorCodes(late)).toEqual(['SERVICE_UNAVAILABLE']);
    });
  });
});
