/**
 * Traffic shaping towards subgraphs, with faults injected between the real
 * gateway and real subgraphs (test/support/fault-proxy): a subgraph killed
 * and restarted, one that hangs, one of two instances gone, 503s with
 * Retry-After, identical queries in flight.
 */
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import type { RunningGateway } from '../../../gateway/src/gateway';
import { FaultProxy } from '../../support/fault-proxy';
import { startTestGateway, writeSupergraphFile } from '../../support/gateway';
import { postGraphQL, type GraphQLAnswer } from '../../support/http';
import { LIBRARY_SDL, startLibrarySubgraph, type LibrarySubgraph } from '../../support/library-subgraph';
import { startSubgraph, type RunningSubgraph } from '../../support/subgraph-server';

const REVIEWS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type Book @key(fields: "isbn") {
    isbn: ID!
    rating: Int
  }
`;
const RATINGS: Record<string, number> = { '978-0': 5, '978-1': 4 };
const BOOKS_WITH_RATINGS = '{ books { title rating } }';
const FULL_ANSWER = { books: [{ title: 'Dune', rating: 5 }, { title: 'Neuromancer', rating: 4 }] };

interface Stack {
  gateway: RunningGateway;
  library: FaultProxy;
  reviews: FaultProxy[];
  health(): Promise<{ status: string; subgraphs: Record<string, { state: string; deduplicated: number; instances: Array<{ state: string }> }> }>;
  close(): Promise<void>;
}

const started: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

/** The library and reviews subgraphs behind fault proxies (`reviewsInstances` of them for reviews), and a gateway on them. */
async function startStack(env: Record<string, string> = {}, reviewsInstances = 1): Promise<Stack> {
  const librarySubgraph: LibrarySubgraph = await startLibrarySubgraph();
  const reviewsSubgraph: RunningSubgraph = await startSubgraph({
    name: 'reviews',
    typeDefs: REVIEWS_SDL,
    createResolvers: () => ({ Book: { __resolveReference: ({ isbn }: { isbn: string }) => ({ isbn, rating: RATINGS[isbn] ?? null }) } }),
  });
  const library = await FaultProxy.start(librarySubgraph.url);
  const reviews = await Promise.all(Array.from({ length: reviewsInstances }, () => FaultProxy.start(reviewsSubgraph.url)));
  const composed = composeServices([
    { name: 'library', url: library.url, typeDefs: parse(LIBRARY_SDL) },
    { name: 'reviews', url: reviews[0].url, typeDefs: parse(REVIEWS_SDL) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const gateway = await startTestGateway(writeSupergraphFile(composed.supergraphSdl), {
    GATEWAY_COST_ENABLED: 'false',
    ...(reviewsInstances > 1 && { SUBGRAPH_REVIEWS_URLS: reviews.map((r) => r.url).join(',') }),
    ...env,
  });
  const stack: Stack = {
    gateway,
    library,
    reviews,
    health: async () => (await (await fetch(gateway.url.replace("/graphql", "/health"))).json()) as Awaited<ReturnType<Stack["health"]>>,
    close: async () => {
      await gateway.close();
      await Promise.all([library, ...reviews].map((p) => p.stop()));
      await librarySubgraph.close();
      await reviewsSubgraph.stop();
    },
  };
  started.push(stack);
  return stack;
}

const codesOf = (answer: GraphQLAnswer) => (answer.body.errors ?? []).map((e) => e.extensions?.code);
const entityFetches = (proxy: FaultProxy) => proxy.received.filter((r) => r.body.includes('_entities')).length;
const mutations = (proxy: FaultProxy) => proxy.received.filter((r) => /"query":"mutation/.test(r.body)).length;

/** Asks until `done` holds of the answer (each try is a real request; the breaker's clock decides when it passes). */
async function askUntil(url: string, query: string, done: (answer: GraphQLAnswer) => boolean): Promise<GraphQLAnswer> {
  for (let tries = 0; tries < 200; tries++) {
    const answer = await postGraphQL(url, query);
    if (done(answer)) return answer;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no answer satisfied the condition for ${query}`);
}

describe('a subgraph that dies during a stream of requests', () => {
  it('leaves every request answered with partial data and a coded error, opens its breaker, and closes it once the subgraph is back', async () => {
    const stack = await startStack({ GATEWAY_SUBGRAPH_BREAKER_THRESHOLD: '3', GATEWAY_SUBGRAPH_BREAKER_OPEN_MS: '100' });
    const codes: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      if (i === 5) await stack.reviews[0].stop();
      const answer = await postGraphQL(stack.gateway.url, BOOKS_WITH_RATINGS);
      expect(answer.status).toBe(200);
      expect(answer.body.data?.books.map((b: { title: string }) => b.title)).toEqual(['Dune', 'Neuromancer']);
      if (i < 5) expect(answer.body).toEqual({ data: FULL_ANSWER });
      else {
        expect(answer.body.data?.books.map((b: { rating: unknown }) => b.rating)).toEqual([null, null]);
        expect(answer.body.errors?.[0].extensions).toMatchObject({ service: 'reviews' });
      }
      codes.push(...codesOf(answer));
    }
    expect(new Set(codes)).toEqual(new Set(['SUBREQUEST_HTTP_ERROR', 'SUBGRAPH_CIRCUIT_OPEN']));
    const open = await stack.health();
    expect(open.status).toBe('degraded');
    expect(open.subgraphs.reviews.state).toBe('open');
    expect(open.subgraphs.library.state).toBe('closed');

    await stack.reviews[0].start();
    await askUntil(stack.gateway.url, BOOKS_WITH_RATINGS, (answer) => answer.body.errors === undefined);
    const closed = await stack.health();
    expect(closed.status).toBe('ok');
    expect(closed.subgraphs.reviews.state).toBe('closed');
  });
});

describe('a subgraph that hangs', () => {
  it('is answered for at the timeout, and a timed-out fetch is not retried', async () => {
    const stack = await startStack({ GATEWAY_SUBGRAPH_TIMEOUT_MS: '300' });
    stack.reviews[0].next('hang');
    const answer = await postGraphQL(stack.gateway.url, BOOKS_WITH_RATINGS);
    expect(answer.body.data).toEqual({ books: [{ title: 'Dune', rating: null }, { title: 'Neuromancer', rating: null }] });
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ message: 'Subgraph "reviews" could not be reached (timed out)', extensions: expect.objectContaining({ code: 'SUBREQUEST_HTTP_ERROR', service: 'reviews' }) }),
    ]);
    expect(entityFetches(stack.reviews[0])).toBe(1);
    stack.reviews[0].release();
  });
});

describe('several instances of a subgraph', () => {
  it('spreads requests over them and serves every request from the live one when the other is killed', async () => {
    // Every request its own fetch, so the dead instance meets enough of them to open its breaker.
    const stack = await startStack({ GATEWAY_SUBGRAPH_DEDUP: 'false' }, 2);
    for (let i = 0; i < 4; i++) expect((await postGraphQL(stack.gateway.url, BOOKS_WITH_RATINGS)).body).toEqual({ data: FULL_ANSWER });
    expect(entityFetches(stack.reviews[0])).toBeGreaterThan(0);
    expect(entityFetches(stack.reviews[1])).toBeGreaterThan(0);

    await stack.reviews[0].stop();
    for (let batch = 0; batch < 4; batch++) {
      const answers = await Promise.all(Array.from({ length: 5 }, () => postGraphQL(stack.gateway.url, BOOKS_WITH_RATINGS)));
      for (const answer of answers) expect(answer.body).toEqual({ data: FULL_ANSWER });
    }
    const health = await stack.health();
    expect(health.subgraphs.reviews.state).toBe('closed');
    expect(health.subgraphs.reviews.instances.map((i) => i.state)).toEqual(['open', 'closed']);
  });
});

describe('retries', () => {
  it('retry a query after a 503 with Retry-After, and the client never sees the failed attempt', async () => {
    const stack = await startStack();
    stack.reviews[0].next({ status: 503, headers: { 'retry-after': '0' } });
    const answer = await postGraphQL(stack.gateway.url, BOOKS_WITH_RATINGS);
    expect(answer.body).toEqual({ data: FULL_ANSWER });
    expect(entityFetches(stack.reviews[0])).toBe(2);
  });

  it('never repeat a mutation', async () => {
    const stack = await startStack();
    stack.library.next({ status: 503, headers: { 'retry-after': '0' } }, { status: 502 });
    const answer = await postGraphQL(stack.gateway.url, 'mutation { renameBook(isbn: "978-0", title: "Dune Messiah") { title } }');
    expect(answer.body.data).toEqual({ renameBook: null });
    expect(codesOf(answer)).toEqual(['SUBREQUEST_HTTP_ERROR']);
    expect(mutations(stack.library)).toBe(1);
  });

  it('do not wait for a Retry-After longer than retry.maxRetryAfterMs', async () => {
    const stack = await startStack();
    stack.reviews[0].next({ status: 503, headers: { 'retry-after': '120' } });
    const answer = await postGraphQL(stack.gateway.url, BOOKS_WITH_RATINGS);
    expect(answer.body.errors?.map((e) => e.message)).toEqual(['Subgraph "reviews" answered HTTP 503']);
    expect(entityFetches(stack.reviews[0])).toBe(1);
  });

  it('are turned off by retry.enabled false', async () => {
    const stack = await startStack({ GATEWAY_SUBGRAPH_RETRY_ENABLED: 'false' });
    stack.reviews[0].next({ status: 502 });
    const answer = await postGraphQL(stack.gateway.url, BOOKS_WITH_RATINGS);
    expect(codesOf(answer)).toEqual(['SUBREQUEST_HTTP_ERROR']);
    expect(entityFetches(stack.reviews[0])).toBe(1);
  });
});

describe('identical queries in flight', () => {
  it('share one subgraph request, counted at the subgraph, and each client gets the whole answer', async () => {
    const stack = await startStack();
    stack.reviews[0].fallback = 'hang';
    const answers = Promise.all(Array.from({ length: 8 }, () => postGraphQL(stack.gateway.url, BOOKS_WITH_RATINGS)));
    await stack.reviews[0].receivedAtLeast(1);
    // The other seven join the first while it hangs.
    for (let tries = 0; (await stack.health()).subgraphs.reviews.deduplicated < 7; tries++) {
      if (tries > 400) throw new Error('the identical queries never joined the one in flight');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    stack.reviews[0].fallback = 'forward';
    stack.reviews[0].release();
    for (const answer of await answers) expect(answer.body).toEqual({ data: FULL_ANSWER });
    expect(entityFetches(stack.reviews[0])).toBe(1);
  });

  it('are each sent when deduplication is off', async () => {
    const stack = await startStack({ GATEWAY_SUBGRAPH_DEDUP: 'false' });
    stack.reviews[0].fallback = 'hang';
    const answers = Promise.all(Array.from({ length: 4 }, () => postGraphQL(stack.gateway.url, BOOKS_WITH_RATINGS)));
    await stack.reviews[0].receivedAtLeast(4);
    stack.reviews[0].fallback = 'forward';
    stack.reviews[0].release();
    for (const answer of await answers) expect(answer.body).toEqual({ data: FULL_ANSWER });
    expect(entityFetches(stack.reviews[0])).toBe(4);
  });
});
