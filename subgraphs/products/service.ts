import { startSubgraphService, type RunningSubgraph, type SubgraphDefinition, type SubgraphOptions } from '../shared/service';
import { createProductLoaders } from './loaders';
import { MemoryProductStore } from './memory-store';
import { RedisProductStore } from './redis-store';
import { productsResolvers, type ProductsContext } from './resolvers';
import { generateSeedProducts } from './seed';
import type { ProductStore } from './store';

export const productsSubgraph: SubgraphDefinition<ProductStore, ProductsContext> = {
  name: 'products',
  resolvers: productsResolvers,
  createMemoryStore: (events) => new MemoryProductStore(events),
  createRedisStore: (redis, events) => new RedisProductStore(redis, events),
  prepareStore: async (store, { seed, logger }) => {
    if (!seed) return;
    const { seeded } = await store.seed(generateSeedProducts());
    logger.info(seeded ? 'seeded the catalogue' : 'catalogue already seeded');
  },
  createContext: (store, identity) => ({ store, identity, loaders: createProductLoaders(store) }),
};

/** Starts the products subgraph in this process (port 0 by default: a free port). */
export function startProductsSubgraph(options: SubgraphOptions = {}): Promise<RunningSubgraph<ProductStore>> {
  return startSubgraphService(productsSubgraph, options);
}
