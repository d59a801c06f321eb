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
