import { DEV_JWT_SECRET } from '../../../gateway/src/auth/dev-secret';
import { startStack, type Stack } from '../../support/stack';
import { ALL_SCOPES, hsToken } from '../../support/tokens';
import { CACHE_DEBUG, availableOf, query } from './support';

const SCOPE = 'gateway:cache:invalidate';

const bearer = async (scope: string) => ({ authorization: `Bearer ${await hsToken({ sub: 'ops', scope, iss: undefined, aud: undefined }, DEV_JWT_SECRET)}` });

describe('the operators\' invalidation endpoint (POST /invalidation)', () => {
  let stack: Stack;
  let invalidationUrl: string;
  const invalidate = async (body: unknown, headers: Record<string, string>) => {
    const res = await fetch(invalidationUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    stack = await startStack({ store: 'memory', gatewayEnv: CACHE_DEBUG });
    invalidationUrl = stack.url.replace(/\/graphql$/, '/invalidation');
  });
  afterAll(() => stack.close());

  it('refuses a caller without a credential (401) and one without its scope (403), deleting nothing', async () => {
    await availableOf(stack.url, 'p-0010');
    const request = { kind: 'entity', type: 'Product', key: { id: 'p-0010' } };
    const anonymous = await invalidate(request, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const unscoped = await invalidate(request, await bearer(ALL_SCOPES));
    expect(unscoped.status).toBe(403);
    expect(unscoped.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await availableOf(stack.url, 'p-0010')).cache.hits).toMatchObject({ Product: 1 });
  });

  it('invalidates one entity by type and key: its entries everywhere (entity answers and the lists holding it)', async () => {
    await availableOf(stack.url, 'p-0011');
    await availableOf(stack.url, 'p-0012');
    const list = '{ products(first: 12) { nodes { id name } } }';
    await query(stack.url, list);
    expect((await query(stack.url, list)).cache.hits).toEqual({ Query: 1 });

    const done = await invalidate({ kind: 'entity', type: 'Product', key: { id: 'p-0011' } }, await bearer(SCOPE));
    expect(done.status).toBe(200);
    expect(done.body.count).toBeGreaterThanOrEqual(3);
    expect((await availableOf(stack.url, 'p-0011')).cache.misses).toMatchObject({ Query: 1, Product: 1 });
    expect((await availableOf(stack.url, 'p-0012')).cache.hits).toMatchObject({ Query: 1, Product: 1 });
    expect((await query(stack.url, list)).cache.misses).toEqual({ Query: 1 });
  });

  it('invalidates everything of one subgraph, and only that', async () => {
    await availableOf(stack.url, 'p-0013');
    const done = await invalidate([{ kind: 'subgraph', subgraph: 'inventory' }], await bearer(SCOPE));
    expect(done.status).toBe(200);
    expect(done.body.count).toBeGreaterThanOrEqual(1);
    const after = await availableOf(stack.url, 'p-0013');
    expect(after.cache).toMatchObject({ hits: { Query: 1 }, misses: { Product: 1 } });
  });

  it('answers 400 naming what is wrong with a malformed request', async () => {
    const bad = await invalidate({ kind: 'entity', type: 'Product' }, await bearer(SCOPE));
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].message).toMatch(/key/);
  });
});
