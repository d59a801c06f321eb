import { postGraphQL } from '../../support/http';
import { startStack, type Stack } from '../../support/stack';
import { devAuthorization } from '../../support/tokens';
import { wsSubscribe, type Subscriber } from './support';

/** subscriptions.webSocketServer: graphql-ws — the package's own server over the same pipeline (the bench's comparison target). */
const STOCK = 'subscription($productId: ID) { stockChanged(productId: $productId) { productId reason product { name } } }';
const ADJUST = 'mutation($p: ID!, $r: String!) { adjustStock(productId: $p, warehouseId: "wh-2", delta: 1, reason: $r) { id } }';

let stack: Stack;
let operator: Record<string, string>;
const open: Subscriber[] = [];
beforeAll(async () => {
  operator = await devAuthorization();
  stack = await startStack({ store: 'memory', gatewayEnv: { GATEWAY_WS_SERVER: 'graphql-ws', GATEWAY_RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack.close();
});
const adjust = (reason: string) => postGraphQL(stack.url, ADJUST, { p: 'p-0401', r: reason }, operator);

it("serves subscriptions through graphql-ws's useServer with event ids, resumeFrom and the pipeline's refusals", async () => {
  const first = wsSubscribe(stack.url, STOCK, { variables: { productId: 'p-0401' } });
  open.push(first);
  for (let i = 0; first.results.length === 0 && i < 40; i++) {
    await adjust(`marker-${i}`);
    await first.until(1, 300).catch(() => undefined);
  }
  expect(first.results[0]).toMatchObject({ eventId: expect.stringMatching(/^\d+-\d+$/), data: { stockChanged: { productId: 'p-0401', product: { name: expect.any(String) } } } });
  const lastSeen = first.lastEventId()!;
  await adjust('missed');
  const resumed = wsSubscribe(stack.url, STOCK, { variables: { productId: 'p-0401' }, resumeFrom: lastSeen });
  open.push(resumed);
  await resumed.until(1);
  expect(resumed.results[0].data.stockChanged.reason).toBe('missed');
  // Refused by the pipeline before it starts: an error message, as with our server.
  const refused = wsSubscribe(stack.url, 'subscription { paymentStatusChanged { paymentId } }');
  open.push(refused);
  await refused.ended();
  expect(refused.error?.[0].extensions.code).toBeDefined();
});
