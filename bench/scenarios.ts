/**
 * The queries `npm run bench` sends: each one real work through the
 * subgraphs on their seed data, the same request for every target.
 */
import { benchToken } from './lib/auth';
import type { GraphQLClient, Scenario } from './lib/interleave';

interface PaymentsPage {
  payments: { nodes: Array<{ id: string; items: Array<{ quantity: number }> }> };
}

const PRODUCTS_50 = '{ products(first: 50) { nodes { id name price { amount currency } stock { available } } } }';

/** Payments in the deep scenario: about 1.8 KB of answer each on the seed data. */
const DEEP_PAYMENTS = 50;
/** The deep scenario is there to measure large answers: below this its set-up fails. */
const DEEP_MIN_BYTES = 50 * 1024;
/**
 * Every field of the payments, their items' products, those products'
 * stock per warehouse and the value of that stock. Planned as a payments
 * fetch, then products and inventory entity fetches in parallel (payments
 * holds the product ids both need), then a second inventory entity fetch
 * for `stockValue`, which requires the price products answered: two levels
 * of entity fetches over three subgraphs, merged into 50 payments x 1-4 items.
 */
const DEEP_FEDERATED = `query DeepFederated($first: Int!) {
  payments(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id orderId customerId status createdAt
      amount { amount currency }
      refundedAmount { amount currency }
      items {
        quantity
        product {
          id sku name description category
          price { amount currency }
          stock {
            available onHand reserved
            warehouses { available onHand reserved warehouse { id name location } }
          }
          stockValue { amount currency }
        }
      }
    }
  }
}`;

export const SCENARIOS: Scenario[] = [
  {
    name: 'payment-3-subgraphs',
    description: 'one payment (payments) with its items\' products (products) and their stock (inventory), with a valid token',
    async request(client: GraphQLClient) {
      // A seeded payment with items, looked up rather than hard-coded so the seed can change.
      const data = (await client({ query: '{ payments(first: 20) { nodes { id items { quantity } } } }' })) as unknown as PaymentsPage;
      const payment = data.payments.nodes.find((p) => p.items.length > 0);
      if (!payment) throw new Error('no seeded payment with items among the first 20: cannot build the payment scenario');
      return {
        body: {
          query:
            'query Payment($id: ID!) { payment(id: $id) { amount { amount currency } items { quantity product { name price { amount currency } stock { available } } } } }',
          variables: { id: payment.id },
        },
        headers: { authorization: `Bearer ${await benchToken()}` },
      };
    },
  },
  {
    name: 'deep-federated',
    description: `${DEEP_PAYMENTS} payments (payments) with every field, their items' products (products) and those products' stock per warehouse (inventory), with a valid token: a large answer merged from three subgraphs`,
    async request(client: GraphQLClient) {
      const body = { query: DEEP_FEDERATED, variables: { first: DEEP_PAYMENTS } };
      const bytes = Buffer.byteLength(JSON.stringify({ data: await client(body) }));
      if (bytes < DEEP_MIN_BYTES) {
        throw new Error(`deep-federated: the answer has ${bytes} bytes of JSON, fewer than ${DEEP_MIN_BYTES}: the seed data shrank; raise DEEP_PAYMENTS`);
      }
      return { body, headers: { authorization: `Bearer ${await benchToken()}` } };
    },
  },
  {
    name: 'products-list-50',
    description: '50 products (products) with their stock in one batched entity fetch (inventory), anonymous',
    async request() {
      return { body: { query: PRODUCTS_50 } };
    },
  },
  {
    name: 'products-list-50-token',
    description: 'the same 50 products with a valid token on every request: the cost of authentication against products-list-50',
    async request() {
      return { body: { query: PRODUCTS_50 }, headers: { authorization: `Bearer ${await benchToken()}` } };
    },
  },
];
