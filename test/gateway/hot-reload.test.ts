/**
 * Supergraph hot reload on real subgraphs and a real gateway: the file is
 * replaced the way deploy tools replace it (write a temporary file, rename it
 * over), with requests flowing the whole time.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { composeSupergraph, readSubgraphSources } from '../../scripts/compose';
import type { RunningGateway } from '../../gateway/src/gateway';
import { startTestGateway, writeSupergraphFile } from '../support/gateway';
import { postGraphQL, type GraphQLAnswer } from '../support/http';
import { LIBRARY_SDL, startLibrarySubgraph, type LibrarySubgraph } from '../support/library-subgraph';
import { startSubgraph, type RunningSubgraph } from '../support/subgraph-server';
import { startStack, type Stack } from '../support/stack';
import { devAuthorization } from '../support/tokens';

const REVIEWS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type Book @key(fields: "isbn") {
    isbn: ID!
    rating: Int
  }
`;

/** Replaces the file atomically, as `npm run compose` and deploy tools do. */
function replaceFile(path: string, text: string): void {
  const temporary = join(dirname(path), `.next-${process.hrtime.bigint()}`);
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

async function health(gateway: RunningGateway): Promise<{ supergraph: { hash: string; reloads: number; refused: number; lastError?: string } }> {
  return (await (await fetch(gateway.url.replace('/graphql', '/health'))).json()) as never;
}

/** Polls /health until `done` holds (the reload happens on a file event, in the gateway's own time). */
async function healthUntil(gateway: RunningGateway, done: (h: Awaited<ReturnType<typeof health>>) => boolean): Promise<Awaited<ReturnType<typeof health>>> {
  for (let tries = 0; tries < 400; tries++) {
    const current = await health(gateway);
    if (done(current)) return current;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the gateway never reached the expected supergraph state');
}

describe('a supergraph replaced while requests flow', () => {
  let library: LibrarySubgraph;
  let reviews: RunningSubgraph;
  let gateway: RunningGateway;
  let path: string;
  const compose = (withReviews: boolean) => {
    const result = composeServices([
      { name: 'library', url: library.url, typeDefs: parse(LIBRARY_SDL) },
      ...(withReviews ? [{ name: 'reviews', url: reviews.url, typeDefs: parse(REVIEWS_SDL) }] : []),
    ]);
    if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
    return result.supergraphSdl;
  };

  beforeAll(async () => {
    library = await startLibrarySubgraph();
    reviews = await startSubgraph({
      name: 'reviews',
      typeDefs: REVIEWS_SDL,
      createResolvers: () => ({ Book: { __resolveReference: ({ isbn }: { isbn: string }) => ({ isbn, rating: isbn === '978-0' ? 5 : 4 }) } }),
    });
    path = writeSupergraphFile(compose(false));
    gateway = await startTestGateway(path, { GATEWAY_COST_ENABLED: 'false' });
  });
  afterAll(async () => {
    await gateway.close();
    await library.close();
    await reviews.stop();
  });

  it('serves the new fields after the swap, refuses invalid and non-composing supergraphs, and fails no request meanwhile', async () => {
    const failures: GraphQLAnswer[] = [];
    let answered = 0;
    let flowing = true;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (flowing) {
          const answer = await postGraphQL(gateway.url, '{ books { title year } }');
          answered++;
          if (answer.status !== 200 || answer.body.errors) failures.push(answer);
        }
      }),
    );
    try {
      const before = await postGraphQL(gateway.url, '{ books { rating } }');
      expect(before.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

      const { supergraph: first } = await health(gateway);
      replaceFile(path, compose(true));
      await healthUntil(gateway, (h) => h.supergraph.reloads === first.reloads + 1);
      const after = await postGraphQL(gateway.url, '{ books { title rating } }');
      expect(after.body).toEqual({ data: { books: [{ title: 'Dune', rating: 5 }, { title: 'Neuromancer', rating: 4 }] } });

      replaceFile(path, 'type Query {');
      const refused = await healthUntil(gateway, (h) => h.supergraph.refused === 1);
      expect(refused.supergraph.lastError).toMatch(/not valid GraphQL SDL/);

      // Valid SDL, but not a supergraph that composes: a field of a type that does not exist.
      replaceFile(path, compose(true).replace('type Book', 'type Broken @join__type(graph: LIBRARY) { x: Missing }\n\ntype Book'));
      const nonComposing = await healthUntil(gateway, (h) => h.supergraph.refused === 2);
      expect(nonComposing.supergraph.lastError).toMatch(/Missing/);
      expect(nonComposing.supergraph.reloads).toBe(first.reloads + 1);

      const still = await postGraphQL(gateway.url, '{ books { title rating } }');
      expect(still.body.errors).toBeUndefined();
    } finally {
      flowing = false;
      await load;
    }
    expect(answered).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});

describe('subscriptions across a supergraph reload', () => {
  const STOCK_NAMES = 'subscription { stockChanged(productId: "p-0002") { productId delta product { name } } }';
  const STOCK_VALUES = 'subscription { stockChanged(productId: "p-0002") { productId product { stockValue { amount } } } }';
  const ADJUST = 'mutation($p: ID!, $d: Int!) { adjustStock(productId: $p, warehouseId: "wh-2", delta: $d, reason: "restock") { id } }';
  let stack: Stack;
  let client: Client;
  let operator: Record<string, string>;

  beforeAll(async () => {
    operator = await devAuthorization();
    stack = await startStack({ store: 'memory' });
    client = createClient({ url: stack.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, onNonLazyError: () => {} });
  });
  afterAll(async () => {
    await client.dispose();
    await stack.close();
  });

  function subscribe(query: string) {
    const results: ExecutionResult[] = [];
    let wake = () => {};
    let fail: (error: unknown) => void = () => {};
    const failed = new Promise<unknown>((resolve) => (fail = resolve));
    client.subscribe({ query }, {
      next: (value) => (results.push(value as ExecutionResult), wake()),
      error: (error) => fail(error),
      complete: () => fail(new Error('completed without an error')),
    });
    const changed = () => new Promise<void>((resolve) => (wake = resolve));
    return { results, failed, changed };
  }

  /** Adjusts stock until the subscription has received `count` results (its channel subscription starts asynchronously). */
  async function adjustUntil(subscription: ReturnType<typeof subscribe>, count: number): Promise<void> {
    while (subscription.results.length < count) {
      const changed = subscription.changed();
      await postGraphQL(stack.url, ADJUST, { p: 'p-0002', d: 1 }, operator);
      await Promise.race([changed, new Promise((resolve) => setTimeout(resolve, 200))]);
    }
  }

  it('keep running when their fields still exist, and end with SUBSCRIPTION_SCHEMA_RELOAD when they do not', async () => {
    const names = subscribe(STOCK_NAMES);
    const values = subscribe(STOCK_VALUES);
    await adjustUntil(names, 1);
    await adjustUntil(values, 1);
    expect(values.results[0].errors).toBeUndefined();

    // The inventory team drops stockValue.
    const env = Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, s.url]));
    const sources = readSubgraphSources(join(__dirname, '..', '..', 'schemas'), env).map((s) =>
      // (with the external price it needed and their descriptions)
      s.name === 'inventory' ? { ...s, typeDefs: s.typeDefs.replace(/\s*"The catalogue's price[^]*?stockValue: [^\n]*/, '') } : s,
    );
    replaceFile(stack.supergraphPath, composeSupergraph(sources));
    expect(await values.failed).toEqual([expect.objectContaining({ extensions: { code: 'SUBSCRIPTION_SCHEMA_RELOAD' } })]);

    const received = names.results.length;
    await adjustUntil(names, received + 1);
    expect(names.results[received]).toEqual({ data: { stockChanged: { productId: 'p-0002', delta: 1, product: { name: expect.any(String) } } }, extensions: { eventId: expect.any(String) } });
    const refused = await postGraphQL(stack.url, '{ product(id: "p-0002") { stockValue { amount } } }');
    expect(refused.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
