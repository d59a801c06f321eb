import type DataLoader from 'dataloader';
import { createBatchLoader } from '../shared/loaders';
import type { InventoryStore, StockLevel, Warehouse } from './store';

export interface InventoryLoaders {
  /** Product.stock: one store round trip for every product of a request's tick (e.g. all `_entities`). */
  stockByProductId: DataLoader<string, StockLevel>;
  /** Reservation allocations' warehouses. */
  warehouseById: DataLoader<string, Warehouse | null>;
}

export function createInventoryLoaders(store: InventoryStore): InventoryLoaders {
  return {
    stockByProductId: createBatchLoader((ids) => store.getStockLevels(ids)),
    warehouseById: createBatchLoader((ids) => store.getWarehouses(ids)),
  };
}
