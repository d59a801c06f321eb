import { request } from 'node:http';
import { meros } from 'meros';
import { createClient as createSseClient } from 'graphql-sse';
import { startStack, type Stack } from '../support/stack';
import { postGraphQL } from '../support/http';
import { graphqlWsClient } from './transport/support/clients';

/**
 * @defer through the native executor, read the way clients read it: HTTP
 * multipart/mixed with meros (the parser Apollo's and Relay's fetchers
 * build on), graphql-ws with its own client, SSE with graphql-sse's.
 */
type Payload = Record<string, any>;

/** POSTs an operation and reads the multipart answer part by part. */
async function postForParts(url: string, body: Record<string, unknown>, accept: string): Promise<{ status: number; contentType: string; parts: Payload[] }> {
  const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept } }, resolve);
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
  const contentType = String(response.headers['content-type']);
  const parts = await meros<Payload>(response);
  if (!(Symbol.asyncIterator in parts)) throw new Error(`not a multipart answer: ${response.statusCode} ${contentType}`);
  const payloads: Payload[] = [];
  for await (const part of parts) payloads.push(part.json ? part.body : JSON.parse(String(part.body)));
  return { status: response.statusCode ?? 0, contentType, parts: payloads };
}

const LEGACY = 'multipart/mixed;deferSpec=20220824,application/json';
const V02 = 'multipart/mixed;incrementalSpec=v0.2,application/json';

const STOCK_DEFERRED = `query Deferred {
  products(first: 3) {
    nodes {
      id
      name
      ... @defer(label: "stock") { stock { available } }
    }
  }
}`;

/** Applies legacy incremental payloads to the initial data, as Apollo Client does. */
function assemble(parts: Payload[]): Payload {
  const data = structuredClone(parts[0].data);
  for (const part of parts.slice(1)) {
    for (const item of part.incremental ?? []) {
      let target = data;
      for (const key of item.path) target = target[key];
      Object.assign(target, item.data);
    }
  }
  return data;
}

describe('@defer', () => {
  let stack: Stack;
  let whole: Payload;

  beforeAll(async () => {
    stack = await startStack({ store: 'memory' });
    whole = (await postGraphQL(stack.url, STOCK_DEFERRED.replace(/ @defer\(label: "stock"\)/, ''))).body.data!;
  });
  afterAll(() => stack?.close());

  it('streams deferred fragments over HTTP multipart/mixed in the deferSpec=20220824 format Apollo Client reads', async () => {
    const { status, contentType, parts } = await postForParts(stack.url, { query: STOCK_DEFERRED }, LEGACY);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^multipart\/mixed;\s*boundary="?graphql"?;\s*deferSpec=20220824/);
    expect(parts[0]).toEqual({ data: { products: { nodes: whole.products.nodes.map(({ id, name }: Payload) => ({ id, name })) } }, hasNext: true });
    const last = parts[parts.length - 1];
    expect(last.hasNext).toBe(false);
    const incremental = parts.slice(1).flatMap((p) => p.incremental);
    expect(incremental).toHaveLength(3);
    expect(incremental.map((i) => i.path)).toEqual([
      ['products', 'nodes', 0],
      ['products', 'nodes', 1],
      ['products', 'nodes', 2],
    ]);
    expect(incremental.every((i) => i.label === 'stock')).toBe(true);
    expect(assemble(parts)).toEqual(whole);
    expect(last.extensions?.cost?.actualQueryCost).toBeGreaterThan(0);
  });

  it('speaks incrementalSpec=v0.2 (pending, incremental, completed) when the client asks for it', async () => {
    const { contentType, parts } = await postForParts(stack.url, { query: STOCK_DEFERRED }, V02);
    expect(contentType).toMatch(/incrementalSpec=v0\.2/);
    expect(parts[0].pending.map((p: Payload) => p.path)).toEqual([
      ['products', 'nodes', 0],
      ['products', 'nodes', 1],
      ['products', 'nodes', 2],
    ]);
    const ids = parts[0].pending.map((p: Payload) => p.id);
    const completed = parts.slice(1).flatMap((p) => p.completed.map((c: Payload) => c.id));
    expect(completed.sort()).toEqual([...ids].sort());
    const delivered = parts.slice(1).flatMap((p) => p.incremental);
    expect(delivered.map((d) => d.data.stock)).toEqual(whole.products.nodes.map((n: Payload) => n.stock));
  });

  it('answers in one JSON response a client that does not accept multipart', async () => {
    const answer = await postGraphQL(stack.url, STOCK_DEFERRED, undefined, { accept: 'application/json' });
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body.data).toEqual(whole);
  });

  it('delivers nested deferred fragments after the fragment they are in', async () => {
    const query = `{ products(first: 2) { nodes { id ... @defer(label: "outer") { name stock { available ... @defer(label: "inner") { warehouses { warehouse { id } } } } } } } }`;
    const { parts } = await postForParts(stack.url, { query }, LEGACY);
    const labels = parts.slice(1).flatMap((p) => p.incremental.map((i: Payload) => i.label));
    expect(labels.filter((l) => l === 'outer')).toHaveLength(2);
    expect(labels.filter((l) => l === 'inner')).toHaveLength(2);
    expect(labels.indexOf('outer')).toBeLessThan(labels.indexOf('inner'));
    const inner = parts.slice(1).flatMap((p) => p.incremental).find((i) => i.label === 'inner');
    expect(inner.path).toEqual(['products', 'nodes', 0, 'stock']);
    expect(inner.data.warehouses.length).toBeGreaterThan(0);
  });

  it('answers @defer(if: false) in one part', async () => {
    const query = `query($d: Boolean!) { products(first: 1) { nodes { id ... @defer(if: $d) { name } } } }`;
    const { parts } = await postForParts(stack.url, { query, variables: { d: false } }, LEGACY);
    expect(parts).toHaveLength(1);
    expect(parts[0].hasNext).toBe(false);
    expect(parts[0].data.products.nodes[0].name).toEqual(expect.any(String));
  });

  it('sends each part as a graphql-ws `next` message', async () => {
    const { client } = graphqlWsClient(stack.url.replace('http', 'ws'));
    const payloads: Payload[] = [];
    await new Promise<void>((resolve, reject) => client.subscribe({ query: STOCK_DEFERRED }, { next: (p) => void payloads.push(p), error: reject, complete: resolve }));
    await client.dispose();
    expect(payloads[0].hasNext).toBe(true);
    expect(payloads[payloads.length - 1].hasNext).toBe(false);
    expect(assemble(payloads)).toEqual(whole);
  });

  it('sends each part as an SSE `next` event', async () => {
    const client = createSseClient({ url: stack.url });
    const payloads: Payload[] = [];
    await new Promise<void>((resolve, reject) => client.subscribe({ query: STOCK_DEFERRED }, { next: (p) => void payloads.push(p as Payload), error: reject, complete: resolve }));
    client.dispose();
    expect(payloads[0].hasNext).toBe(true);
    expect(assemble(payloads)).toEqual(whole);
  });
});
