import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { eventually } from '../gateway/ratelimit/support';
import { postRaw } from '../support/http';
import { data, gql, identityHeaders, useSubgraphHarness } from './harness';

const metricsOf = async (subgraph: { url: string }) => {
  const res = await fetch(subgraph.url.replace(/\/graphql$/, '/metrics'));
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("a subgraph's /metrics (prom-client)", () => {
  const harness = useSubgraphHarness();

  it('keeps its series and adds request durations by method, status and route, and Node process metrics', async () => {
    const subgraph = await harness.start('products', 'memory');
    await data(subgraph, '{ product(id: "p-0001") { id } }');
    await data(subgraph, '{ product(id: "p-0002") { id } }');
    await gql(subgraph, '{ nope }');
    // Refused before Apollo Server: no identity.
    expect((await postRaw(subgraph.url, JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'application/json' })).status).toBe(401);

    const text = await metricsOf(subgraph);
    expect(sample(text, 'graphql_requests_total{subgraph="products",operation_type="query",outcome="success"}')).toBe(2);
    expect(sample(text, 'graphql_requests_total{subgraph="products",operation_type="unknown",outcome="error"}')).toBe(1);
    expect(sample(text, 'graphql_errors_total{subgraph="products",code="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);
    expect(sample(text, 'gateway_identity_refused_total{subgraph="products",reason="missing"}')).toBe(1);
    expect(sample(text, 'store_round_trips_total{subgraph="products",store="memory"}')).toBe(subgraph.store.stats.roundTrips);
    expect(sample(text, 'http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="200",http_route="/graphql"}')).toBe(2);
    expect(sample(text, 'http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="400",http_route="/graphql"}')).toBe(1);
    expect(sample(text, 'http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="401",http_route="/graphql"}')).toBe(1);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
  });

  it('keeps the counts of each subgraph apart when several run in one process', async () => {
    const products = await harness.start('products', 'memory');
    const inventory = await harness.start('inventory', 'memory');
    await data(products, '{ product(id: "p-0001") { id } }');
    expect(sample(await metricsOf(products), 'graphql_requests_total{subgraph="products",operation_type="query",outcome="success"}')).toBe(1);
    expect(await metricsOf(inventory)).not.toContain('graphql_requests_total{');
  });

  it("continues the gateway's trace when tracing is on: one server span per request under the traceparent it was sent", async () => {
    const spans = new InMemorySpanExporter();
    const subgraph = await harness.start('products', 'memory', { tracing: { spanExporter: spans } });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await postRaw(subgraph.url, JSON.stringify({ query: '{ product(id: "p-0001") { id } }' }), {
      'content-type': 'application/json',
      traceparent,
      ...(await identityHeaders('products')),
    });
    expect(res.status).toBe(200);
    // The span ends as the response closes, just after the client has read it.
    const [span] = await eventually(() => {
      expect(spans.getFinishedSpans()).toHaveLength(1);
      return spans.getFinishedSpans();
    });
    expect(span.name).toBe('POST /graphql');
    expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span.attributes['http.response.status_code']).toBe(200);
  });
});
