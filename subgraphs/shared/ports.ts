/** Where each subgraph listens by default (`npm start`, docker-compose, composition). */
export const DEFAULT_SUBGRAPH_PORTS = {
  products: 4001,
  inventory: 4002,
  payments: 4003,
} as const;

export type SubgraphName = keyof typeof DEFAULT_SUBGRAPH_PORTS;
export const SUBGRAPH_NAMES = Object.keys(DEFAULT_SUBGRAPH_PORTS) as SubgraphName[];
