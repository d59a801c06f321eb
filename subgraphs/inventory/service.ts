import { startSubgraphService, type RunningSubgraph, type SubgraphDefinition, type SubgraphOptions } from '../shared/service';
import { createInventoryLoaders } from './loaders';
import { MemoryInventoryStore } from './memory-store';
import { RedisInventoryStore } from './redis-store';
import { inventoryResolvers, type InventoryContext } from './resolvers';
import { WAREHOUSES, generateSeedStock } from './seed';
import type { InventoryStore } from './store';

export const inventorySubgraph: SubgraphDefinition<InventoryStore, InventoryContext> = {
  name: 'inventory',
  resolvers: inventoryResolvers,
  createMemoryStore: (events) => new MemoryInventoryStore(events),
  createRedisStore: (redis, events) => new RedisInventoryStore(redis, events),
  prepareStore: async (store, { seed, logger }) => {
    await store.ensureWarehouses(WAREHOUSES);
    if (!seed) return;
    const { seeded } = await store.seed(generateSeedStock());
    logger.info(seeded ? 'seeded the stock' : 'stock already seeded');
  },
  createContext: (store, identity) => ({ store, identity, loaders: createInventoryLoaders(store) }),
};

/** Starts the inventory subgraph in this process (port 0 by default: a free port). */
export function startInventorySubgraph(options: SubgraphOptions = {}): Promise<RunningSubgraph<InventoryStore>> {
  return startSubgraphService(inventorySubgraph, options);
}
