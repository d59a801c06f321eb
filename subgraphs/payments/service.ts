import { startSubgraphService, type RunningSubgraph, type SubgraphDefinition, type SubgraphOptions } from '../shared/service';
import { createPaymentLoaders } from './loaders';
import { MemoryPaymentStore } from './memory-store';
import { RedisPaymentStore } from './redis-store';
import { paymentsResolvers, type PaymentsContext } from './resolvers';
import { generateSeedPayments } from './seed';
import { idempotencyTtlMsFrom, type PaymentStore } from './store';

export const paymentsSubgraph: SubgraphDefinition<PaymentStore, PaymentsContext> = {
  name: 'payments',
  resolvers: paymentsResolvers,
  createMemoryStore: (events) => new MemoryPaymentStore({ idempotencyTtlMs: idempotencyTtlMsFrom(process.env) }, events),
  createRedisStore: (redis, events) => new RedisPaymentStore(redis, { idempotencyTtlMs: idempotencyTtlMsFrom(process.env) }, events),
  prepareStore: async (store, { seed, logger }) => {
    if (!seed) return;
    const { seeded } = await store.seed(generateSeedPayments());
    logger.info(seeded ? 'seeded the payments' : 'payments already seeded');
  },
  createContext: (store, identity) => ({ store, identity, loaders: createPaymentLoaders(store) }),
};

/** Starts the payments subgraph in this process (port 0 by default: a free port). */
export function startPaymentsSubgraph(options: SubgraphOptions = {}): Promise<RunningSubgraph<PaymentStore>> {
  return startSubgraphService(paymentsSubgraph, options);
}
