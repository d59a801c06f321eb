import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startSubgraph } from '../../../subgraphs';
import type { RunningGateway } from '../../../gateway/src/gateway';
import { FaultProxy } from '../../support/fault-proxy';
import { postGraphQL } from '../../support/http';
import { startStack, type Stack } from '../../support/stack';
import { eventually, parentOf, spanNamed, startTelemetryGateway } from './support';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`;
const ONE_PRODUCT = 'query OneProduct { product(id: "p-0001") { name } }';

describe('tracing (OpenTelemetry) and request ids across the gateway and a subgraph', () => {
  let stack: Stack;
  let products: Awaited<ReturnType<typeof startSubgraph<'products'>>>;
  let proxy: FaultProxy;
  const gatewaySpans = new InMemorySpanExporter();
  const subgraphSpans = new InMemorySpanExporter();
  let traced: RunningGateway;
  let untraced: RunningGateway;

  beforeAll(async () => {
    stack = await startStack({ store: 'memory' });
    // A products subgraph of its own that traces, behind a proxy that records what it receives.
    products = await startSubgraph('products', { host: '127.0.0.1', logLevel: 'silent', nodeEnv: 'test', tracing: { spanExporter: subgraphSpans } });
    proxy = await FaultProxy.start(products.url);
    const env = { SUBGRAPH_PRODUCTS_URL: proxy.url };
    traced = await startTelemetryGateway(stack.supergraphPath, { env: { ...env, GATEWAY_TRACING_ENABLED: 'true' }, spanExporter: gatewaySpans });
    untraced = await startTelemetryGateway(stack.supergraphPath, { env });
  });
  afterAll(async () => {
    await traced?.close();
    await untraced?.close();
    await proxy?.stop();
    await products?.close();
    await stack?.close();
  });
  beforeEach(() => {
    gatewaySpans.reset();
    subgraphSpans.reset();
    proxy.received.length = 0;
  });
  /** The GraphQL requests the subgraph received (the gateway also follows its /events stream through the proxy). */
  const graphqlRequests = () => proxy.received.filter((request) => request.headers['content-type'] === 'application/json');

  it("continues the client's traceparent: stage spans, a span per subgraph attempt, traceparent and x-request-id on the subgraph request, the subgraph's span under it", async () => {
    const answer = await postGraphQL(traced.url, ONE_PRODUCT, undefined, { traceparent: TRACEPARENT, 'x-request-id': 'trace-test-1' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-request-id')).toBe('trace-test-1');

    expect(graphqlRequests()).toHaveLength(1);
    const received = graphqlRequests()[0].headers;
    expect(received['x-request-id']).toBe('trace-test-1');
    expect(received.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));

    const spans = await eventually(() => {
      const finished = gatewaySpans.getFinishedSpans();
      spanNamed(finished, 'POST /graphql');
      return finished;
    });
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    const server = spanNamed(spans, 'POST /graphql');
    expect(server.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(server)).toBe(CLIENT_SPAN_ID);
    expect(server.attributes).toMatchObject({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'OneProduct', 'http.response.status_code': 200 });
    for (const stage of ['graphql.document', 'graphql.authorize', 'graphql.cost', 'graphql.ratelimit', 'graphql.plan', 'graphql.execute']) {
      expect(parentOf(spanNamed(spans, stage))).toBe(server.spanContext().spanId);
    }
    const fetch = spanNamed(spans, 'subgraph products');
    expect(fetch.attributes).toMatchObject({ 'graphql.subgraph.name': 'products', 'subgraph.attempt': 1, 'http.response.status_code': 200 });
    // The fetch's parent chain leads to the client's span.
    const chain: string[] = [];
    for (let span: ReadableSpan | undefined = fetch; span; span = byId.get(parentOf(span) ?? '')) chain.push(span.name);
    expect(chain).toEqual(['subgraph products', 'graphql.execute', 'POST /graphql']);
    expect(parentOf(server)).toBe(CLIENT_SPAN_ID);
    expect(received.traceparent).toBe(`00-${TRACE_ID}-${fetch.spanContext().spanId}-01`);

    // The subgraph continues the trace: its server span's parent is the gateway's fetch span.
    const subgraphServer = await eventually(() => spanNamed(subgraphSpans.getFinishedSpans(), 'POST /graphql'));
    expect(subgraphServer.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(subgraphServer)).toBe(fetch.spanContext().spanId);
  });

  it('starts a new trace without a traceparent, and records every attempt of a retried fetch with its status', async () => {
    proxy.next({ status: 503 });
    expect((await postGraphQL(traced.url, ONE_PRODUCT)).status).toBe(200);
    const spans = await eventually(() => {
      const finished = gatewaySpans.getFinishedSpans();
      spanNamed(finished, 'POST /graphql');
      return finished;
    });
    const server = spanNamed(spans, 'POST /graphql');
    expect(server.spanContext().traceId).not.toBe(TRACE_ID);
    expect(parentOf(server)).toBeUndefined();
    const attempts = spans.filter((span) => span.name === 'subgraph products').map((span) => span.attributes);
    expect(attempts).toEqual([
      expect.objectContaining({ 'subgraph.attempt': 1, 'http.response.status_code': 503, 'error.type': 'SUBREQUEST_HTTP_ERROR' }),
      expect.objectContaining({ 'subgraph.attempt': 2, 'http.response.status_code': 200 }),
    ]);
    expect(graphqlRequests().map((r) => r.headers.traceparent)).toEqual(attempts.map((_, i) => `00-${server.spanContext().traceId}-${spans.filter((s) => s.name === 'subgraph products')[i].spanContext().spanId}-01`));
  });

  it('with tracing off (the default) creates no span and sends no traceparent, but the request id still reaches the subgraph', async () => {
    const answer = await postGraphQL(untraced.url, ONE_PRODUCT, undefined, { traceparent: TRACEPARENT, 'x-request-id': 'untraced-1' });
    expect(answer.headers.get('x-request-id')).toBe('untraced-1');
    expect(graphqlRequests()[0].headers['x-request-id']).toBe('untraced-1');
    expect(graphqlRequests()[0].headers.traceparent).toBeUndefined();
    expect(gatewaySpans.getFinishedSpans()).toEqual([]);
  });

  it.each([
    ['a space and a bang', 'not valid!'],
    ['129 characters', 'a'.repeat(129)],
    ['a slash and a colon', 'a/b:c'],
  ])('replaces a client request id with %s by a generated one, on the answer and towards the subgraph', async (_what, id) => {
    const answer = await fetch(untraced.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: JSON.stringify({ query: ONE_PRODUCT }) });
    const echoed = answer.headers.get('x-request-id');
    expect(echoed).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(graphqlRequests()[0].headers['x-request-id']).toBe(echoed);
  });

  it('answers every request, whatever the route, with an x-request-id; an SSE stream has it in its response headers', async () => {
    const health = await fetch(untraced.url.replace(/\/graphql$/, '/health'), { headers: { 'x-request-id': 'health-1' } });
    expect(health.headers.get('x-request-id')).toBe('health-1');
    const stream = await fetch(untraced.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-request-id': 'sse-1' },
      body: JSON.stringify({ query: ONE_PRODUCT }),
    });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('x-request-id')).toBe('sse-1');
    expect(await stream.text()).toContain('event: complete');
    expect(graphqlRequests()[0].headers['x-request-id']).toBe('sse-1');
  });
});
