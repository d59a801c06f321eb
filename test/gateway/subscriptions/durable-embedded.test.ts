import type { RunningGateway } from '../../../gateway/src/gateway';
import { compareEventIds } from '../../../lib/events/log';
import { startTestGateway } from '../../support/gateway';
import { postGraphQL } from '../../support/http';
import { startStack, type Stack } from '../../support/stack';
import { devAuthorization } from '../../support/tokens';
import { idsOf, sseSubscribe, wsSubscribe, type Subscriber } from './support';

/**
 * Embedded mode (no Redis): each subgraph keeps its channels' logs in its own
 * process, the gateway follows them over `/events` and reads them there when
 * a client resumes. The same resume semantics as with Redis.
 */
const STOCK = 'subscription($productId: ID) { stockChanged(productId: $productId) { productId reason product { name } } }';
const ADJUST = 'mutation($p: ID!, $r: String!) { adjustStock(productId: $p, warehouseId: "wh-2", delta: 1, reason: $r) { id } }';

let stack: Stack;
let other: RunningGateway;
let operator: Record<string, string>;
const open: Subscriber[] = [];

beforeAll(async () => {
  operator = await devAuthorization();
  // Logs of 20 entries a channel, so a position can be trimmed away.
  stack = await startStack({ store: 'memory', gatewayEnv: { GATEWAY_RATE_LIMIT_ENABLED: 'false' }, subgraphOptions: { eventRetention: { maxLength: 20 } } });
  // A second embedded gateway on the same subgraphs: any replica resumes any client.
  other = await startTestGateway(stack.supergraphPath, { GATEWAY_RATE_LIMIT_ENABLED: 'false' });
});
afterEach(() => open.splice(0).forEach((s) => s.close()));
afterAll(async () => {
  await other.close();
  await stack.close();
});

const adjust = async (productId: string, reason: string) => {
  const answer = await postGraphQL(stack.url, ADJUST, { p: productId, r: reason }, operator);
  if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
};

async function live(subscriber: Subscriber, productId: string): Promise<void> {
  open.push(subscriber);
  for (let i = 0; ; i++) {
    await adjust(productId, `marker-${i}`);
    if ((await subscriber.until(1, 500).then(() => true, () => false)) || i > 40) return;
  }
}

it('resumes a graphql-ws subscription on another gateway from extensions.resumeFrom: missed events, then live, once and in order', async () => {
  const first = wsSubscribe(stack.url, STOCK, { variables: { productId: 'p-0201' } });
  await live(first, 'p-0201');
  const lastSeen = first.lastEventId()!;
  first.close();
  await adjust('p-0201', 'missed-1');
  await adjust('p-0202', 'another product');
  await adjust('p-0201', 'missed-2');
  const resumed = wsSubscribe(other.url, STOCK, { variables: { productId: 'p-0201' }, resumeFrom: lastSeen });
  open.push(resumed);
  await resumed.until(2);
  await adjust('p-0201', 'live');
  await resumed.until(3);
  expect(resumed.results.map((r) => r.data.stockChanged.reason)).toEqual(['missed-1', 'missed-2', 'live']);
  expect(resumed.results.every((r) => r.data.stockChanged.product.name)).toBe(true);
  const ids = idsOf(resumed.results);
  expect([...ids].sort(compareEventIds)).toEqual(ids);
});

it('resumes an SSE subscription from Last-Event-ID', async () => {
  const first = sseSubscribe(stack.url, STOCK, { variables: { productId: 'p-0203' } });
  await live(first, 'p-0203');
  const lastSeen = first.lastEventId()!;
  expect(lastSeen).toMatch(/^\d+-\d+$/);
  first.close();
  await adjust('p-0203', 'missed');
  const resumed = sseSubscribe(stack.url, STOCK, { variables: { productId: 'p-0203' }, lastEventId: lastSeen });
  open.push(resumed);
  await resumed.until(1);
  await adjust('p-0203', 'live');
  await resumed.until(2);
  expect(resumed.results.map((r) => r.data.stockChanged.reason)).toEqual(['missed', 'live']);
});

it('ends a subscription resuming from a position the subgraph no longer retains with EVENTS_EXPIRED', async () => {
  const first = wsSubscribe(stack.url, STOCK, { variables: { productId: 'p-0204' } });
  await live(first, 'p-0204');
  const lastSeen = first.lastEventId()!;
  first.close();
  for (let i = 0; i < 30; i++) await adjust('p-0205', `later-${i}`);
  const resumed = wsSubscribe(other.url, STOCK, { variables: { productId: 'p-0204' }, resumeFrom: lastSeen });
  open.push(resumed);
  await resumed.ended();
  expect(resumed.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'EVENTS_EXPIRED' }) })]);
});
