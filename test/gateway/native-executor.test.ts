import { composeServices } from '@apollo/composition';
import { GraphQLError, parse } from 'graphql';
import type { RunningGateway } from '../../gateway/src/gateway';
import { startTestGateway, writeSupergraphFile } from '../support/gateway';
import { postGraphQL } from '../support/http';
import { startSubgraph, type RunningSubgraph } from '../support/subgraph-server';

/**
 * What the native executor does beyond matching @apollo/gateway (the
 * differential corpus holds it to that): it sends an entity once however
 * often it appears, puts a subgraph's error on that entity at every place it
 * appears (also after null or missing entities, where @apollo/gateway
 * counts wrong), names the subgraph, and answers what it can when a subgraph
 * is down.
 */
const LINK = '@link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

/** Orders list products, repeating some and leaving a gap (a null line). */
const ORDERS = [
  { id: 'o1', lines: ['b1', 'b2', 'b1'] },
  { id: 'o2', lines: [null, 'b3', 'b1'] },
];

const orders = {
  name: 'orders',
  typeDefs: `extend schema ${LINK}
    type Query { orders: [Order!]! }
    type Order { id: ID! lines: [Book] }
    type Book @key(fields: "isbn") { isbn: ID! }`,
  createResolvers: () => ({
    Query: { orders: () => ORDERS },
    Order: { lines: (order: (typeof ORDERS)[number]) => order.lines.map((isbn) => (isbn ? { isbn } : null)) },
  }),
};

/** Titles books; `b3` has no title, and asking for it fails. */
const resolved: string[] = [];
const catalog = {
  name: 'catalog',
  typeDefs: `extend schema ${LINK}
    type Book @key(fields: "isbn") { isbn: ID! title: String }`,
  createResolvers: () => ({
    Book: {
      __resolveReference: (book: { isbn: string }) => {
        resolved.push(book.isbn);
        return book;
      },
      title: (book: { isbn: string }) => {
        if (book.isbn === 'b3') throw new GraphQLError('No title on record', { extensions: { code: 'TITLE_MISSING' } });
        return `Title of ${book.isbn}`;
      },
    },
  }),
};

describe('the native executor', () => {
  let subgraphs: RunningSubgraph[];
  let gateway: RunningGateway;

  beforeAll(async () => {
    subgraphs = await Promise.all([orders, catalog].map(startSubgraph));
    const composed = composeServices([orders, catalog].map((s, i) => ({ name: s.name, url: subgraphs[i].url, typeDefs: parse(s.typeDefs) })));
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    gateway = await startTestGateway(writeSupergraphFile(composed.supergraphSdl), { GATEWAY_COST_ENABLED: 'false', GATEWAY_EXECUTION_ENGINE: 'native' });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all(subgraphs.map((s) => s.stop()));
  });

  it('sends each distinct entity once, and merges its answer into every place it appears', async () => {
    resolved.length = 0;
    const answer = await postGraphQL(gateway.url, '{ orders { lines { isbn title } } }');
    expect(resolved.sort()).toEqual(['b1', 'b2', 'b3']);
    expect(answer.body.data!.orders[0].lines).toEqual([
      { isbn: 'b1', title: 'Title of b1' },
      { isbn: 'b2', title: 'Title of b2' },
      { isbn: 'b1', title: 'Title of b1' },
    ]);
  });

  it("puts an entity's error at its own path, past a null item, with the subgraph's name and code", async () => {
    const answer = await postGraphQL(gateway.url, '{ orders { lines { title } } }');
    expect(answer.body.data!.orders[1].lines).toEqual([null, { title: null }, { title: 'Title of b1' }]);
    expect(answer.body.errors).toEqual([
      { message: 'No title on record', path: ['orders', 1, 'lines', 1, 'title'], extensions: { code: 'TITLE_MISSING', serviceName: 'catalog' } },
    ]);
  });

  it('answers what it can, with a coded error naming the subgraph, when one is down', async () => {
    const other = await startSubgraph(catalog);
    const composed = composeServices([
      { name: 'orders', url: subgraphs[0].url, typeDefs: parse(orders.typeDefs) },
      { name: 'catalog', url: other.url, typeDefs: parse(catalog.typeDefs) },
    ]);
    const degraded = await startTestGateway(writeSupergraphFile(composed.supergraphSdl!), { GATEWAY_COST_ENABLED: 'false' });
    await other.stop();
    try {
      const answer = await postGraphQL(degraded.url, '{ orders { id lines { isbn title } } }');
      expect(answer.status).toBe(200);
      expect(answer.body.data!.orders[0]).toEqual({ id: 'o1', lines: [{ isbn: 'b1', title: null }, { isbn: 'b2', title: null }, { isbn: 'b1', title: null }] });
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors![0].extensions).toMatchObject({ code: 'SUBREQUEST_HTTP_ERROR', service: 'catalog' });
      expect(answer.body.errors![0].message).toMatch(/Subgraph "catalog" could not be reached/);
    } finally {
      await degraded.close();
    }
  });
});
