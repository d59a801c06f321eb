/**
 * The three subgraphs, to start in this process (tests, tools). Each also
 * runs as its own process: `node dist/subgraphs/<name>/main.js`.
 */
import { startInventorySubgraph } from './inventory/service';
import type { InventoryStore } from './inventory/store';
import { startPaymentsSubgraph } from './payments/service';
import type { PaymentStore } from './payments/store';
import { startProductsSubgraph } from './products/service';
import type { ProductStore } from './products/store';
import type { SubgraphName } from './shared/ports';
import type { RunningSubgraph, SubgraphOptions } from './shared/service';

export { startInventorySubgraph, startPaymentsSubgraph, startProductsSubgraph };
export { DEFAULT_SUBGRAPH_PORTS, SUBGRAPH_NAMES, type SubgraphName } from './shared/ports';
export type { RunningSubgraph, SubgraphOptions } from './shared/service';
export type { InventoryStore, PaymentStore, ProductStore };

export interface SubgraphStores {
  products: ProductStore;
  inventory: InventoryStore;
  payments: PaymentStore;
}

const STARTERS: { [N in SubgraphName]: (options: SubgraphOptions) => Promise<RunningSubgraph<SubgraphStores[N]>> } = {
  products: startProductsSubgraph,
  inventory: startInventorySubgraph,
  payments: startPaymentsSubgraph,
};

/** Starts the named subgraph in this process (port 0 by default: a free port). */
export function startSubgraph<N extends SubgraphName>(name: N, options: SubgraphOptions = {}): Promise<RunningSubgraph<SubgraphStores[N]>> {
  const start = STARTERS[name] as (options: SubgraphOptions) => Promise<RunningSubgraph<SubgraphStores[N]>>;
  return start(options);
}
