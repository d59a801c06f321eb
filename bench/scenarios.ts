/**
 * The queries `npm run bench` sends: each one real work through the
 * subgraphs on their seed data, the same request for every target.
 */
import type { GraphQLClient, Scenario } from './lib/interleave';

interface PaymentsPage {
  payments: { nodes: Array<{ id: string; items: Array<{ quantity: number }> }> };
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'payment-3-subgraphs',
    description: 'one payment (payments) with its items\' products (products) and their stock (inventory)',
    async request(client: GraphQLClient) {
      // A seeded payment with items, looked up rather than hard-coded so the seed can change.
      const data = (await client({ query: '{ payments(first: 20) { nodes { id items { quantity } } } }' })) as unknown as PaymentsPage;
      const payment = data.payments.nodes.find((p) => p.items.length > 0);
      if (!payment) throw new Error('no seeded payment with items among the first 20: cannot build the payment scenario');
      return {
        query:
          'query Payment($id: ID!) { payment(id: $id) { amount { amount currency } items { quantity product { name price { amount currency } stock { available } } } } }',
        variables: { id: payment.id },
      };
    },
  },
  {
    name: 'products-list-50',
    description: '50 products (products) with their stock in one batched entity fetch (inventory)',
    async request() {
      return { query: '{ products(first: 50) { nodes { id name price { amount currency } stock { available } } } }' };
    },
  },
];
