import { SEED_PRODUCT_COUNT } from '../products/seed';
import { productId } from '../products/store';
import { createSeededRandom } from '../shared/random';
import type { SeedStock, Warehouse } from './store';

/** The warehouses: reference data, written at every start when missing (seeding on or off). */
export const WAREHOUSES: readonly Warehouse[] = [
  { id: 'wh-1', name: 'East Coast Fulfillment Center', location: 'Newark, NJ, United States' },
  { id: 'wh-2', name: 'West Coast Fulfillment Center', location: 'Reno, NV, United States' },
  { id: 'wh-3', name: 'European Distribution Center', location: 'Rotterdam, Netherlands' },
];

/**
 * Products whose seeded stock is fixed, for examples and tests that need a
 * known starting point (nothing is reserved in the seed):
 * - p-0001: 10 units, all in wh-1
 * - p-0002: 10 units over three warehouses (5 + 3 + 2)
 * - p-1000: out of stock everywhere
 */
export const KNOWN_SEED_STOCK: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  [productId(1)]: { 'wh-1': 10, 'wh-2': 0, 'wh-3': 0 },
  [productId(2)]: { 'wh-1': 5, 'wh-2': 3, 'wh-3': 2 },
  [productId(SEED_PRODUCT_COUNT)]: { 'wh-1': 0, 'wh-2': 0, 'wh-3': 0 },
};

const SEED = 0x5eed_0002;

/**
 * Stock of every seed product in every warehouse, always the same (seeded
 * PRNG): mostly tens to a few hundred units, some warehouses low (1..9) or
 * empty, plus the fixed levels of KNOWN_SEED_STOCK.
 */
export function generateSeedStock(): SeedStock[] {
  const random = createSeededRandom(SEED);
  return Array.from({ length: SEED_PRODUCT_COUNT }, (_, i) => productId(i + 1)).map((id) => {
    const onHand: Record<string, number> = {};
    for (const { id: warehouseId } of WAREHOUSES) {
      const roll = random.next();
      onHand[warehouseId] = roll < 0.1 ? 0 : roll < 0.25 ? random.int(1, 9) : random.int(10, 400);
    }
    return { productId: id, onHand: { ...onHand, ...KNOWN_SEED_STOCK[id] } };
  });
}
