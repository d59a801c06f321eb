import { MemoryCacheStore, RedisCacheStore, type CacheStore } from '../../../gateway/src/cache';
import { startRedis, type RedisServer } from '../../support/redis';

const entry = (key: string, tags: string[], value = `v-${key}`) => ({ key, value, ttlMs: 60_000, tags, guards: ['all', 'subgraph:inventory', 'type:Product'] });

describe.each(['memory', 'redis'] as const)('the %s store of the entity cache', (kind) => {
  let redis: RedisServer | undefined;
  let store: CacheStore;

  beforeAll(async () => {
    if (kind === 'redis') redis = await startRedis();
  });
  beforeEach(async () => {
    if (kind === 'memory') {
      store = new MemoryCacheStore({ maxEntries: 1_000, maxBytes: 1_000_000 });
    } else {
      const shared = new RedisCacheStore({ url: redis!.url, prefix: `spec:${Date.now()}:${Math.random()}:` });
      await shared.ready();
      store = shared;
    }
  });
  afterEach(() => store.close());
  afterAll(() => redis?.destroy());

  it('deletes every entry tagged with an invalidated entity, and only those', async () => {
    const { epoch } = await store.get(['e:1']);
    expect(await store.set([entry('e:1', ['Product:{"id":"p-1"}']), entry('e:2', ['Product:{"id":"p-2"}']), entry('r:list', ['Product:{"id":"p-1"}', 'list:Product'])], epoch)).toBe(3);
    expect(await store.invalidate(['Product:{"id":"p-1"}'])).toBe(2);
    expect((await store.get(['e:1', 'e:2', 'r:list'])).values).toEqual([null, 'v-e:2', null]);
  });

  it('refuses to store an answer looked up before one of its entities was invalidated (it may predate the change)', async () => {
    const before = await store.get(['e:3']);
    await store.invalidate(['Product:{"id":"p-3"}']);
    expect(await store.set([entry('e:3', ['Product:{"id":"p-3"}']), entry('e:4', ['Product:{"id":"p-4"}'])], before.epoch)).toBe(1);
    expect((await store.get(['e:3', 'e:4'])).values).toEqual([null, 'v-e:4']);
    const after = await store.get(['e:3']);
    expect(await store.set([entry('e:3', ['Product:{"id":"p-3"}'])], after.epoch)).toBe(1);
  });

  it("refuses a late store after an operator's invalidation by type, and deletes the type's entries by key pattern", async () => {
    const { epoch } = await store.get(['e:inventory:Product:x']);
    await store.set([entry('e:inventory:Product:a', ['Product:{"id":"a"}']), entry('e:inventory:Warehouse:b', ['Warehouse:{"id":"b"}'])], epoch);
    expect(await store.invalidateMatching(['e:*:Product:*'], ['type:Product'])).toBe(1);
    expect((await store.get(['e:inventory:Product:a', 'e:inventory:Warehouse:b'])).values).toEqual([null, 'v-e:inventory:Warehouse:b']);
    expect(await store.set([entry('e:inventory:Product:c', ['Product:{"id":"c"}'])], epoch)).toBe(0);
  });
});
