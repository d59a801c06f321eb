import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startStack, type Stack } from '../../support/stack';
import { devAuthorization } from '../../support/tokens';
import { FaultProxy } from '../../support/fault-proxy';
import { postGraphQL } from '../../support/http';
import type { RunningGateway } from '../../../gateway/src/gateway';
import { eventually, sample, scrape, startTelemetryGateway } from './support';

const ONE_PRODUCT = 'query OneProduct { product(id: "p-0001") { name } }';
const INVALID = 'query Broken { product(id: "p-0001") { nope } }';
/** 100 products with their stock: over a maximum cost of 50. */
const EXPENSIVE = 'query Expensive { products(first: 100) { nodes { id name stock { available } } } }';

describe('gateway /metrics (prom-client)', () => {
  let stack: Stack;
  let proxy: FaultProxy;
  let gateway: RunningGateway;

  beforeAll(async () => {
    stack = await startStack({ store: 'memory' });
    // Products behind a real proxy, so a test can make one of its answers fail.
    proxy = await FaultProxy.start(stack.subgraphs.products.url);
    gateway = await startTelemetryGateway(stack.supergraphPath, { env: { GATEWAY_MAX_COST: '50', SUBGRAPH_PRODUCTS_URL: proxy.url } });
  });
  afterAll(async () => {
    await gateway?.close();
    await proxy?.stop();
    await stack?.close();
  });

  it('counts operations by name, type and outcome, requests by method, status and route, subgraph attempts and costs, exactly', async () => {
    for (let i = 0; i < 3; i++) expect((await postGraphQL(gateway.url, ONE_PRODUCT)).status).toBe(200);
    expect((await postGraphQL(gateway.url, INVALID)).status).toBe(400);
    expect((await postGraphQL(gateway.url, EXPENSIVE)).body.errors?.[0].extensions?.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');

    const text = await eventually(async () => {
      const scraped = await scrape(gateway.metricsUrl);
      // A request's duration is observed when its response closes, just after the client has read it.
      expect(sample(scraped, 'http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="400",http_route="/graphql"}')).toBe(2);
      return scraped;
    });
    expect(sample(text, 'http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="200",http_route="/graphql"}')).toBe(3);
    expect(sample(text, 'graphql_operation_duration_seconds_count{operation_name="OneProduct",operation_type="query",outcome="success"}')).toBe(3);
    // Refused after validation: named. Refused before (an invalid document): no name, no type.
    expect(sample(text, 'graphql_operation_duration_seconds_count{operation_name="Expensive",operation_type="query",outcome="refused"}')).toBe(1);
    expect(sample(text, 'graphql_operation_duration_seconds_count{operation_name="",operation_type="unknown",outcome="refused"}')).toBe(1);
    expect(text).not.toContain('operation_name="Broken"');
    expect(sample(text, 'gateway_subgraph_fetch_attempts_total{subgraph="products"}')).toBe(3);
    expect(sample(text, 'gateway_subgraph_fetch_duration_seconds_count{subgraph="products"}')).toBe(3);
    expect(sample(text, 'gateway_subgraph_fetch_retries_total{subgraph="products"}')).toBeUndefined();
    expect(sample(text, `gateway_subgraph_breaker_state{subgraph="products",instance="${new URL(proxy.url).origin}"}`)).toBe(0);
    expect(sample(text, 'gateway_operation_cost_estimated_count{operation_type="query"}')).toBe(3);
    expect(sample(text, 'gateway_operation_cost_actual_sum{operation_type="query"}')).toBe(3);
    // Refused operations are never charged.
    expect(sample(text, 'gateway_ratelimit_debits_total')).toBe(3);
    expect(sample(text, 'gateway_ratelimit_refusals_total')).toBe(0);
    expect(sample(text, 'gateway_subscriptions_ws_connections')).toBe(0);
    expect(sample(text, 'gateway_subscriptions_active{transport="sse"}')).toBe(0);
    expect(sample(text, 'gateway_subscriptions_events_total')).toBe(0);
    // Node process metrics, from this gateway's own registry.
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('counts a retried attempt and its error per subgraph, and a partial answer when the subgraph stays down', async () => {
    const before = await scrape(gateway.metricsUrl);
    const attempts = sample(before, 'gateway_subgraph_fetch_attempts_total{subgraph="products"}')!;
    proxy.next({ status: 503 });
    expect((await postGraphQL(gateway.url, 'query Retried { product(id: "p-0001") { name } }')).body.data).toEqual({ product: { name: expect.any(String) } });
    proxy.next({ status: 502 }, { status: 502 }, { status: 502 });
    const failed = await postGraphQL(gateway.url, 'query Failed { product(id: "p-0001") { name } }');
    expect(failed.body.errors?.[0].extensions?.code).toBe('SUBREQUEST_HTTP_ERROR');

    const text = await scrape(gateway.metricsUrl);
    expect(sample(text, 'gateway_subgraph_fetch_attempts_total{subgraph="products"}')).toBe(attempts + 2 + 3);
    expect(sample(text, 'gateway_subgraph_fetch_retries_total{subgraph="products"}')).toBe(1 + 2);
    expect(sample(text, 'gateway_subgraph_fetch_errors_total{subgraph="products",code="SUBREQUEST_HTTP_ERROR"}')).toBe(1 + 3);
    expect(sample(text, 'graphql_operation_duration_seconds_count{operation_name="Retried",operation_type="query",outcome="success"}')).toBe(1);
    const outcome = failed.body.data == null ? 'error' : 'partial';
    expect(sample(text, `graphql_operation_duration_seconds_count{operation_name="Failed",operation_type="query",outcome="${outcome}"}`)).toBe(1);
  });

  it('counts a subscription over graphql-ws, its connection, the events received and delivered, read from the engine and the transport', async () => {
    const client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, onNonLazyError: () => {} });
    const received: unknown[] = [];
    const dispose = client.subscribe({ query: 'subscription Stock { stockChanged(productId: "p-0001") { productId delta } }' }, { next: (value) => void received.push(value), error: () => {}, complete: () => {} });
    try {
      // Subscribed once the engine has its group; only then is the event published.
      await eventually(async () => expect(sample(await scrape(gateway.metricsUrl), 'gateway_subscriptions_groups')).toBe(1));
      const adjust = await postGraphQL(gateway.url, 'mutation Restock { adjustStock(productId: "p-0001", warehouseId: "wh-2", delta: 3, reason: "restock") { id } }', undefined, await devAuthorization());
      expect(adjust.body.errors).toBeUndefined();
      await eventually(() => expect(received).toHaveLength(1));

      const text = await scrape(gateway.metricsUrl);
      expect(sample(text, 'graphql_operation_duration_seconds_count{operation_name="Stock",operation_type="subscription",outcome="success"}')).toBe(1);
      expect(sample(text, 'graphql_operation_duration_seconds_count{operation_name="Restock",operation_type="mutation",outcome="success"}')).toBe(1);
      expect(sample(text, 'gateway_subscriptions_ws_connections')).toBe(1);
      expect(sample(text, 'gateway_subscriptions_active{transport="ws"}')).toBe(1);
      expect(sample(text, 'gateway_subscriptions_events_total')).toBe(1);
      expect(sample(text, 'gateway_subscriptions_deliveries_total')).toBe(1);
      expect(sample(text, 'gateway_subscriptions_slow_consumer_closes_total{transport="ws"}')).toBe(0);
    } finally {
      dispose();
      await client.dispose();
    }
    await eventually(async () => expect(sample(await scrape(gateway.metricsUrl), 'gateway_subscriptions_ws_connections')).toBe(0));
  });

  it('keeps at most telemetry.metrics.maxOperationNames names, counting the others as __other__', async () => {
    const capped = await startTelemetryGateway(stack.supergraphPath, { env: { GATEWAY_METRICS_MAX_OPERATION_NAMES: '2' } });
    try {
      for (const name of ['First', 'Second', 'Third', 'Fourth']) await postGraphQL(capped.url, `query ${name} { product(id: "p-0001") { name } }`);
      const text = await scrape(capped.metricsUrl);
      expect(sample(text, 'graphql_operation_duration_seconds_count{operation_name="First",operation_type="query",outcome="success"}')).toBe(1);
      expect(sample(text, 'graphql_operation_duration_seconds_count{operation_name="Second",operation_type="query",outcome="success"}')).toBe(1);
      expect(sample(text, 'graphql_operation_duration_seconds_count{operation_name="__other__",operation_type="query",outcome="success"}')).toBe(2);
      expect(text).not.toContain('Third');
    } finally {
      await capped.close();
    }
  });

  it('serves /metrics on its own port when telemetry.metrics.port is set, and no longer on the main one', async () => {
    const separate = await startTelemetryGateway(stack.supergraphPath, { env: { GATEWAY_METRICS_PORT: '0' } });
    try {
      expect(new URL(separate.metricsUrl).port).not.toBe(String(separate.port));
      await postGraphQL(separate.url, ONE_PRODUCT);
      const text = await scrape(separate.metricsUrl);
      expect(sample(text, 'graphql_operation_duration_seconds_count{operation_name="OneProduct",operation_type="query",outcome="success"}')).toBe(1);
      expect((await fetch(separate.url.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
      expect((await fetch(separate.metricsUrl.replace(/\/metrics$/, '/other'))).status).toBe(404);
    } finally {
      await separate.close();
    }
  });
});
