import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import type { RunningGateway } from '../../../gateway/src/gateway';
import { FaultProxy } from '../../support/fault-proxy';
import { startTestGateway, writeSupergraphFile } from '../../support/gateway';
import { startSubgraph, type RunningSubgraph, type SubgraphDefinition } from '../../support/subgraph-server';
import { devAuthorization } from '../../support/tokens';
import { scrape, sample } from '../telemetry/support';
import { CACHE_DEBUG, eventually, query } from './support';

/** Links and defines @cacheControl as our schemas do (kept in the supergraph by @composeDirective). */
const CACHE_CONTROL = `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@composeDirective"])
    @link(url: "https://federation-gateway.dev/cache/v0.1", import: ["@cacheControl"])
    @composeDirective(name: "@cacheControl")
  directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
  enum CacheControlScope { PUBLIC PRIVATE }
`;

/** Clocks by id (hinted 60 s) and notes (no hint at all). */
const clocks: SubgraphDefinition = {
  name: 'clocks',
  typeDefs: `${CACHE_CONTROL}
    type Clock @key(fields: "id") @cacheControl(maxAge: 60) { id: ID! }
    type Note { id: ID! text: String! }
    type Query {
      clocks(ids: [ID!]!): [Clock!]! @cacheControl(maxAge: 60)
      note(id: ID!): Note
    }`,
  createResolvers: () => ({
    Query: {
      clocks: (_: unknown, { ids }: { ids: string[] }) => ids.map((id) => ({ id })),
      note: (_: unknown, { id }: { id: string }) => ({ id, text: `note ${id}` }),
    },
  }),
};

/** Each clock's tick (a new value at every resolution, kept 1 s) and label (kept as long as the clock). */
const ticks: SubgraphDefinition = {
  name: 'ticks',
  typeDefs: `${CACHE_CONTROL}
    type Clock @key(fields: "id") { id: ID! tick: Int! @cacheControl(maxAge: 1) label: String! }`,
  createResolvers: () => {
    let tick = 0;
    return {
      Clock: {
        __resolveReference: (clock: { id: string }) => clock,
        tick: () => ++tick,
        label: (clock: { id: string }) => `clock ${clock.id}`,
      },
    };
  },
};

/** The `_entities` representations a recorded request sent. */
const representationsOf = (body: string): unknown[] => (JSON.parse(body) as { variables: { representations: unknown[] } }).variables.representations;

describe('what the entity cache keeps, for how long, and what it tells HTTP caches', () => {
  let subgraphs: RunningSubgraph[];
  const proxies: Record<string, FaultProxy> = {};
  let gateway: RunningGateway;

  beforeAll(async () => {
    subgraphs = await Promise.all([clocks, ticks].map(startSubgraph));
    for (const subgraph of subgraphs) proxies[subgraph.name] = await FaultProxy.start(subgraph.url);
    const composed = composeServices([clocks, ticks].map((s) => ({ name: s.name, url: proxies[s.name].url, typeDefs: parse(s.typeDefs) })));
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    gateway = await startTestGateway(writeSupergraphFile(composed.supergraphSdl!), { ...CACHE_DEBUG, GATEWAY_COST_ENABLED: 'false' });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all(Object.values(proxies).map((p) => p.stop()));
    await Promise.all(subgraphs.map((s) => s.stop()));
  });

  const requestsTo = (name: string) => proxies[name].received.length;

  it('sends a subgraph only the representations it does not hold, and nothing once it holds them all', async () => {
    const LABELS = 'query($ids: [ID!]!) { clocks(ids: $ids) { id label } }';
    const first = await query(gateway.url, LABELS, { ids: ['a', 'b'] });
    expect(first.body.data.clocks).toEqual([{ id: 'a', label: 'clock a' }, { id: 'b', label: 'clock b' }]);
    expect(first.cache.misses).toEqual({ Query: 1, Clock: 2 });

    const ticksBefore = requestsTo('ticks');
    const second = await query(gateway.url, LABELS, { ids: ['b', 'c', 'a'] });
    expect(second.body.data.clocks.map((c: { label: string }) => c.label)).toEqual(['clock b', 'clock c', 'clock a']);
    expect(second.cache).toMatchObject({ hits: { Clock: 2 }, misses: { Query: 1, Clock: 1 } });
    expect(requestsTo('ticks')).toBe(ticksBefore + 1);
    expect(representationsOf(proxies.ticks.received.at(-1)!.body)).toEqual([{ __typename: 'Clock', id: 'c' }]);

    const before = { clocks: requestsTo('clocks'), ticks: requestsTo('ticks') };
    const third = await query(gateway.url, LABELS, { ids: ['b', 'c', 'a'] });
    expect(third.body.data).toEqual(second.body.data);
    expect(third.cache).toMatchObject({ hits: { Query: 1, Clock: 3 }, misses: {} });
    expect({ clocks: requestsTo('clocks'), ticks: requestsTo('ticks') }).toEqual(before);
  });

  it('keeps an answer no longer than its maxAge: re-asked, the subgraph answers anew once it expired', async () => {
    const TICK = '{ clocks(ids: ["t"]) { tick } }';
    const first = await query(gateway.url, TICK);
    const tick = first.body.data.clocks[0].tick;
    expect(first.headers.get('cache-control')).toBe('public, max-age=1');
    const again = await query(gateway.url, TICK);
    expect(again.body.data.clocks[0].tick).toBe(tick);
    expect(again.cache.hits).toMatchObject({ Clock: 1 });
    const expired = await eventually(async () => {
      const answer = await query(gateway.url, TICK);
      expect(answer.body.data.clocks[0].tick).not.toBe(tick);
      return answer;
    });
    expect(expired.cache.misses).toMatchObject({ Clock: 1 });
  });

  it('never caches what has no hint: every query reaches the subgraph, and the answer says no-store', async () => {
    const NOTE = '{ note(id: "n1") { id text } }';
    const before = requestsTo('clocks');
    for (let i = 0; i < 3; i++) {
      const answer = await query(gateway.url, NOTE);
      expect(answer.body.data.note).toEqual({ id: 'n1', text: 'note n1' });
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.cache).toEqual({ hits: {}, misses: {}, policy: null });
    }
    expect(requestsTo('clocks')).toBe(before + 3);
  });

  it('tags a public GET answer with an ETag and answers 304 when the client already has it; private for a signed-in caller', async () => {
    const url = `${gateway.url}?${new URLSearchParams({ query: '{ clocks(ids: ["e"]) { id label } }' })}`;
    const headers = { 'graphql-require-preflight': 'true', accept: 'application/json' };
    const first = await fetch(url, { headers });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toMatch(/^public, max-age=(59|60)$/);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const { data } = (await first.json()) as { data: unknown };

    const revalidated = await fetch(url, { headers: { ...headers, 'if-none-match': etag! } });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe('');
    expect(revalidated.headers.get('etag')).toBe(etag);

    const changedElsewhere = await fetch(url, { headers: { ...headers, 'if-none-match': '"something-else"' } });
    expect(changedElsewhere.status).toBe(200);
    expect(((await changedElsewhere.json()) as { data: unknown }).data).toEqual(data);

    const signedIn = await fetch(url, { headers: { ...headers, ...(await devAuthorization()) } });
    expect(signedIn.headers.get('cache-control')).toMatch(/^private, max-age=/);
    expect(signedIn.headers.get('etag')).toBeNull();
  });

  it('counts hits and misses per subgraph and type in /metrics', async () => {
    await query(gateway.url, '{ clocks(ids: ["m"]) { label } }');
    await query(gateway.url, '{ clocks(ids: ["m"]) { label } }');
    const text = await scrape(gateway.metricsUrl);
    expect(sample(text, 'gateway_entity_cache_hits_total{subgraph="ticks",type="Clock"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_entity_cache_misses_total{subgraph="ticks",type="Clock"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_entity_cache_hits_total{subgraph="clocks",type="Query"}')).toBeGreaterThanOrEqual(1);
  });
});
