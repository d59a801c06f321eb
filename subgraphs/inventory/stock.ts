import type { Allocation, StockLevel, Warehouse } from './store';

/** Units of a product in one warehouse, as stored. */
export interface WarehouseCounts {
  onHand: number;
  reserved: number;
}

/**
 * A product's StockLevel from its per-warehouse counts: every warehouse is
 * listed (sorted by id), zeros for those that never held the product.
 */
export function buildStockLevel(productId: string, warehouses: readonly Warehouse[], counts: (warehouseId: string) => WarehouseCounts | undefined): StockLevel {
  const level: StockLevel = { productId, onHand: 0, reserved: 0, available: 0, warehouses: [] };
  for (const warehouse of [...warehouses].sort(byId)) {
    const { onHand, reserved } = counts(warehouse.id) ?? { onHand: 0, reserved: 0 };
    const available = Math.max(0, onHand - reserved);
    level.warehouses.push({ warehouse, onHand, reserved, available });
    level.onHand += onHand;
    level.reserved += reserved;
    level.available += available;
  }
  return level;
}

/**
 * Where a reservation takes its units from: the warehouse with the most
 * available first (fewest splits), ties by warehouse id, each giving what it
 * can until the quantity is met. Null when all of them together lack the
 * units. The Redis store's reserve script implements the same rule in Lua.
 */
export function allocateGreedily(available: ReadonlyArray<{ warehouseId: string; available: number }>, quantity: number): Allocation[] | null {
  const candidates = available.filter((w) => w.available > 0);
  const total = candidates.reduce((sum, w) => sum + w.available, 0);
  if (total < quantity) return null;
  candidates.sort((a, b) => b.available - a.available || (a.warehouseId < b.warehouseId ? -1 : a.warehouseId > b.warehouseId ? 1 : 0));
  const allocations: Allocation[] = [];
  let remaining = quantity;
  for (const { warehouseId, available: units } of candidates) {
    if (remaining === 0) break;
    const take = Math.min(remaining, units);
    allocations.push({ warehouseId, quantity: take });
    remaining -= take;
  }
  return allocations;
}

/** Total units available across warehouses. */
export function totalAvailable(available: ReadonlyArray<{ available: number }>): number {
  return available.reduce((sum, w) => sum + Math.max(0, w.available), 0);
}

export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
