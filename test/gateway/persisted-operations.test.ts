/**
 * Persisted operations: automatic persisted queries (the protocol Apollo
 * Client's persisted-query link speaks) and trusted-document manifests with
 * an optional safelist, over HTTP (POST and GET) and graphql-ws, on a real
 * gateway, real subgraph and, for the shared store, a real redis-server.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { RunningGateway } from '../../gateway/src/gateway';
import { loadConfig } from '../../gateway/src/config/load';
import { startGateway } from '../../gateway/src/gateway';
import { startTestGateway, writeSupergraphFile } from '../support/gateway';
import { errorCodes, getGraphQL, postRaw } from '../support/http';
import { composeLibrarySupergraph, startLibrarySubgraph, type LibrarySubgraph } from '../support/library-subgraph';
import { startRedis, type RedisServer } from '../support/redis';

const BOOKS = '{ books { title } }';
const BOOK = 'query Book($isbn: ID!) { book(isbn: $isbn) { title year } }';
const UNLISTED = '{ books { year } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
const post = (gateway: RunningGateway, body: Record<string, unknown>) => postRaw(gateway.url, JSON.stringify(body), JSON_HEADERS);

function writeManifest(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'manifest-')), 'persisted-queries.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

let library: LibrarySubgraph;
let supergraph: string;
const gateways: RunningGateway[] = [];
const start = async (env: Record<string, string> = {}) => {
  const gateway = await startTestGateway(supergraph, { GATEWAY_COST_ENABLED: 'false', ...env });
  gateways.push(gateway);
  return gateway;
};
beforeAll(async () => {
  library = await startLibrarySubgraph();
  supergraph = writeSupergraphFile(composeLibrarySupergraph(library.url));
});
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});
afterAll(() => library.close());

describe('automatic persisted queries', () => {
  it('answer an unknown hash PersistedQueryNotFound, register the document sent with its hash, then serve the hash alone over POST and GET', async () => {
    const gateway = await start();
    const hash = sha256(BOOKS);
    const miss = await post(gateway, { extensions: apq(hash) });
    expect(miss.status).toBe(200);
    expect(miss.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');
    expect(miss.body.errors).toEqual([{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }]);

    const registered = await post(gateway, { query: BOOKS, extensions: apq(hash) });
    expect(registered.body).toEqual({ data: { books: [{ title: 'Dune' }, { title: 'Neuromancer' }] } });
    const requestsBefore = library.requests();

    const hit = await post(gateway, { extensions: apq(hash) });
    expect(hit.body).toEqual(registered.body);
    const overGet = await getGraphQL(gateway.url, { extensions: JSON.stringify(apq(hash)) }, { 'apollo-require-preflight': 'true' });
    expect(overGet.body).toEqual(registered.body);
    expect(library.requests()).toBe(requestsBefore + 2);
  });

  it('refuse a document that does not hash to the hash sent with it, and register nothing', async () => {
    const gateway = await start();
    const wrong = sha256('{ somethingElse }');
    const mismatch = await post(gateway, { query: BOOKS, extensions: apq(wrong) });
    expect(mismatch.status).toBe(400);
    expect(errorCodes(mismatch)).toEqual(['PERSISTED_QUERY_HASH_MISMATCH']);
    expect(errorCodes(await post(gateway, { extensions: apq(wrong) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('say PersistedQueryNotSupported when turned off', async () => {
    const gateway = await start({ GATEWAY_APQ_ENABLED: 'false' });
    const answer = await post(gateway, { extensions: apq(sha256(BOOKS)) });
    expect(answer.status).toBe(200);
    expect(errorCodes(answer)).toEqual(['PERSISTED_QUERY_NOT_SUPPORTED']);
  });

  it('serve a hash registered over HTTP to a graphql-ws client', async () => {
    const gateway = await start();
    const hash = sha256(BOOK);
    await post(gateway, { query: BOOK, variables: { isbn: '978-1' }, extensions: apq(hash) });
    const client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const result = await new Promise((resolve, reject) => {
        client.subscribe({ query: '', variables: { isbn: '978-1' }, extensions: apq(hash) }, { next: resolve, error: reject, complete: () => {} });
      });
      expect(result).toEqual({ data: { book: { title: 'Neuromancer', year: 1984 } } });
    } finally {
      await client.dispose();
    }
  });

  describe('with Redis', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(() => redis.destroy());

    it('share registered documents between replicas', async () => {
      const [a, b] = [await start({ REDIS_URL: redis.url }), await start({ REDIS_URL: redis.url })];
      const hash = sha256(BOOK);
      expect(errorCodes(await post(b, { extensions: apq(hash), variables: { isbn: '978-0' } }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      expect((await post(a, { query: BOOK, variables: { isbn: '978-0' }, extensions: apq(hash) })).body.errors).toBeUndefined();
      for (let tries = 0; ; tries++) {
        // The registration is written to Redis after the answer: b may ask before it lands.
        const answer = await post(b, { extensions: apq(hash), variables: { isbn: '978-0' } });
        if (!answer.body.errors) {
          expect(answer.body).toEqual({ data: { book: { title: 'Dune', year: 1965 } } });
          break;
        }
        expect(errorCodes(answer)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
        if (tries > 100) throw new Error('the registration never reached the other replica');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
  });
});

describe('trusted documents', () => {
  const apolloManifest = () =>
    writeManifest({
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [
        { id: sha256(BOOKS), name: 'Books', type: 'query', body: BOOKS },
        { id: sha256(BOOK), name: 'Book', type: 'query', body: BOOK },
      ],
    });

  it('serve a manifest document by documentId, in Apollo’s manifest format and GraphQL Code Generator’s', async () => {
    const gateway = await start({ GATEWAY_PERSISTED_MANIFESTS: [apolloManifest(), writeManifest({ [`sha256:${sha256(UNLISTED)}`]: UNLISTED })].join(',') });
    expect((await post(gateway, { documentId: `sha256:${sha256(BOOK)}`, variables: { isbn: '978-0' } })).body).toEqual({ data: { book: { title: 'Dune', year: 1965 } } });
    expect((await post(gateway, { documentId: sha256(UNLISTED) })).body).toEqual({ data: { books: [{ year: 1965 }, { year: 1984 }] } });
    const unknown = await post(gateway, { documentId: sha256('{ nothing }') });
    expect(unknown.status).toBe(404);
    expect(errorCodes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('refuse, in safelist mode, every document not in a manifest — sent whole or registered by hash', async () => {
    const gateway = await start({ GATEWAY_PERSISTED_MANIFESTS: apolloManifest(), GATEWAY_SAFELIST: 'true' });
    expect((await post(gateway, { query: BOOKS })).body.errors).toBeUndefined();
    expect((await post(gateway, { extensions: apq(sha256(BOOKS)) })).body.errors).toBeUndefined();
    const freeform = await post(gateway, { query: UNLISTED });
    expect(freeform.status).toBe(403);
    expect(errorCodes(freeform)).toEqual(['OPERATION_NOT_PERSISTED']);
    expect(errorCodes(await post(gateway, { query: UNLISTED, extensions: apq(sha256(UNLISTED)) }))).toEqual(['OPERATION_NOT_PERSISTED']);
    expect((await post(gateway, { extensions: apq(sha256(UNLISTED)) })).status).toBe(404);
  });

  it('refuse at start-up a manifest whose ids are not the hashes of their documents, and a safelist without a manifest', async () => {
    const lying = writeManifest({ [sha256(BOOKS)]: UNLISTED });
    const config = loadConfig({ argv: ['--supergraph', supergraph, '--port', '0'], env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', GATEWAY_PERSISTED_MANIFESTS: lying } });
    await expect(startGateway(config)).rejects.toThrow(/persistedOperations\.manifests: .* is not the sha256 of its document/);
    expect(() => loadConfig({ argv: ['--supergraph', supergraph], env: { GATEWAY_SAFELIST: 'true' } })).toThrow(/persistedOperations\.safelist/);
  });
});
