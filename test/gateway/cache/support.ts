import type { Client } from 'graphql-ws';
import { postGraphQL, type GraphQLAnswer } from '../../support/http';
import { data as subgraphData } from '../../subgraphs/harness';
import type { Stack } from '../../support/stack';
import { graphqlWsClient, subscribe, type Subscription } from '../transport/support/clients';

export { eventually } from '../ratelimit/support';

/** Gateway environment: answers carry `extensions.cache` (hits, misses, policy). */
export const CACHE_DEBUG = { GATEWAY_ENTITY_CACHE_DEBUG: 'true' };
/** A replica that never caches: its answers are the subgraphs' own. */
export const NO_CACHE = { GATEWAY_ENTITY_CACHE_ENABLED: 'false' };

/** Catalogue (products) and stock (inventory, maxAge 5 s) of one product. */
export const PRODUCT_STOCK = 'query Stock($id: ID!) { product(id: $id) { id name stock { available } } }';
export const STOCK_CHANGED = 'subscription($id: ID) { stockChanged(productId: $id) { productId available } }';

export interface CacheExtension {
  hits: Record<string, number>;
  misses: Record<string, number>;
  policy: { maxAge: number; scope: string } | null;
}

/** An operation through a gateway that must answer without errors. */
export async function query<T = any>(url: string, document: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLAnswer<T> & { cache: CacheExtension }> {
  const answer = await postGraphQL<T>(url, document, variables, headers);
  if (answer.body.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(answer.body.errors)}`);
  return { ...answer, cache: answer.body.extensions?.cache as CacheExtension };
}

export async function availableOf(url: string, productId: string, headers: Record<string, string> = {}): Promise<{ available: number; cache: CacheExtension }> {
  const answer = await query(url, PRODUCT_STOCK, { id: productId }, headers);
  return { available: answer.body.data.product.stock.available, cache: answer.cache };
}

/**
 * A stock change made past every gateway, as another system would: straight
 * to the inventory subgraph (signed as the gateway would sign an operator).
 * Its StockChanged event is the only thing that tells the gateways.
 */
export async function adjustStockAtTheSubgraph(stack: Stack, productId: string, delta: number): Promise<number> {
  const result = await subgraphData<{ adjustStock: { stock: { available: number } } }>(
    stack.subgraphs.inventory,
    'mutation($p: ID!, $d: Int!) { adjustStock(productId: $p, warehouseId: "wh-1", delta: $d, reason: "cache spec") { stock { available } } }',
    { p: productId, d: delta },
  );
  return result.adjustStock.stock.available;
}

/** A graphql-ws subscription to one product's stock events, on a gateway. */
export function followStock(gatewayUrl: string, productId: string): { client: Client; subscription: Subscription; connected: Promise<void> } {
  const { client, connected } = graphqlWsClient(gatewayUrl.replace(/^http/, 'ws'));
  return { client, connected, subscription: subscribe(client, STOCK_CHANGED, { id: productId }) };
}

/**
 * Waits until the subscription is live, without guessing a delay: a change
 * is made at the subgraph, and again, until one event arrives. Resolves to the
 * number of results received so far.
 */
export async function untilLive(stack: Stack, subscription: Subscription, productId: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const before = subscription.results.length;
    await adjustStockAtTheSubgraph(stack, productId, 1);
    if (await arrives(subscription, before + 1, 500)) return subscription.results.length;
  }
  throw new Error('the subscription never received an event');
}

/** Resolves true once `count` results have arrived, false after `waitMs` without them. */
export async function arrives(subscription: Subscription, count: number, waitMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (subscription.results.length < count) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** The `available` of the n-th (0-based) stock event received. */
export function eventAvailable(subscription: Subscription, index: number): number {
  const result = subscription.results[index];
  if (result.errors?.length) throw new Error(`event with errors: ${JSON.stringify(result.errors)}`);
  return (result.data as { stockChanged: { available: number } }).stockChanged.available;
}
