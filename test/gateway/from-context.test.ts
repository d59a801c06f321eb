import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import type { RunningGateway } from '../../gateway/src/gateway';
import { startTestGateway, writeSupergraphFile } from '../support/gateway';
import { postGraphQL } from '../support/http';
import { startSubgraph, type RunningSubgraph } from '../support/subgraph-server';

/**
 * @fromContext: an argument a subgraph takes from an ancestor of the entity
 * (here, the store a product is listed in). Stock @apollo/gateway refuses
 * such supergraphs, so the expected answers are written out by hand.
 */
const LINK = '@link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key", "@context", "@fromContext", "@shareable"])';

const STORES = [
  { id: 's1', currency: 'EUR', productIds: ['p1', 'p2'] },
  { id: 's2', currency: 'USD', productIds: ['p2', 'p3'] },
  { id: 's3', currency: 'EUR', productIds: [] },
];
const BASE_PRICE: Record<string, number> = { p1: 100, p2: 200, p3: 300 };
const RATE: Record<string, number> = { EUR: 1, USD: 2 };

const catalog = {
  name: 'catalog',
  typeDefs: `extend schema ${LINK}
    type Query { stores: [Store!]! store(id: ID!): Store }
    type Store @key(fields: "id") { id: ID! currency: String! @shareable products: [Product!]! @shareable }
    type Product @key(fields: "id") { id: ID! }`,
  createResolvers: () => ({
    Query: { stores: () => STORES, store: (_: unknown, { id }: { id: string }) => STORES.find((s) => s.id === id) ?? null },
    Store: { products: (store: (typeof STORES)[number]) => store.productIds.map((id) => ({ id })) },
  }),
};

/** Prices products in the currency of the store they are listed in, and counts the fetches it answers. */
let pricingFetches = 0;
const pricing = {
  name: 'pricing',
  typeDefs: `extend schema ${LINK}
    type Store @key(fields: "id") @context(name: "store") { id: ID! currency: String! @shareable products: [Product!]! @shareable }
    type Product @key(fields: "id") { id: ID! price(currency: String @fromContext(field: "$store { currency }")): String! }`,
  createResolvers: () => ({
    Product: {
      __resolveReference: (reference: { id: string }) => {
        pricingFetches++;
        return reference;
      },
      price: (product: { id: string }, { currency }: { currency?: string }) => `${BASE_PRICE[product.id] * RATE[currency ?? 'EUR']} ${currency ?? '?'}`,
    },
  }),
};

describe('@fromContext on the native executor', () => {
  let subgraphs: RunningSubgraph[];
  let gateway: RunningGateway;

  beforeAll(async () => {
    subgraphs = await Promise.all([catalog, pricing].map(startSubgraph));
    const composed = composeServices([catalog, pricing].map((s, i) => ({ name: s.name, url: subgraphs[i].url, typeDefs: parse(s.typeDefs) })));
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    gateway = await startTestGateway(writeSupergraphFile(composed.supergraphSdl), { GATEWAY_COST_ENABLED: 'false' });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all(subgraphs.map((s) => s.stop()));
  });

  it('passes each entity the value of its own ancestor, even for the same entity under two ancestors', async () => {
    const answer = await postGraphQL(gateway.url, '{ stores { id products { id price } } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({
      stores: [
        { id: 's1', products: [{ id: 'p1', price: '100 EUR' }, { id: 'p2', price: '200 EUR' }] },
        { id: 's2', products: [{ id: 'p2', price: '400 USD' }, { id: 'p3', price: '600 USD' }] },
        { id: 's3', products: [] },
      ],
    });
  });

  it('resolves the context through an alias and a single root object', async () => {
    const answer = await postGraphQL(gateway.url, '{ shop: store(id: "s2") { items: products { id cost: price } } }');
    expect(answer.body.data).toEqual({ shop: { items: [{ id: 'p2', cost: '400 USD' }, { id: 'p3', cost: '600 USD' }] } });
  });

  it('asks the subgraph for each entity once per distinct context value', async () => {
    pricingFetches = 0;
    await postGraphQL(gateway.url, '{ stores { products { price } } }');
    // s1 and s3 share EUR (s3 has no products); s2 is USD: p1, p2 in EUR and p2, p3 in USD.
    expect(pricingFetches).toBe(4);
  });
});
