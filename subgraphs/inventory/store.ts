import type { SeedOutcome, SubgraphStore } from '../shared/store';

/** How many stock adjustments the audit trail keeps (the Redis stream keeps about as many). */
export const ADJUSTMENT_LOG_LIMIT = 10_000;

export interface Warehouse {
  id: string;
  name: string;
  location: string;
}

/** Units of one product in one warehouse. `available` = `onHand` - `reserved`, never negative. */
export interface WarehouseStock {
  warehouse: Warehouse;
  onHand: number;
  reserved: number;
  available: number;
}

/** Stock of one product summed over all warehouses (each warehouse listed, zeros included). */
export interface StockLevel {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  warehouses: WarehouseStock[];
}

export type ReservationStatus = 'ACTIVE' | 'RELEASED';

export interface Allocation {
  warehouseId: string;
  quantity: number;
}

export interface Reservation {
  id: string;
  productId: string;
  quantity: number;
  status: ReservationStatus;
  allocations: Allocation[];
  createdAt: string;
  releasedAt?: string;
}

/** What a reservation call did: the reservation, and the stock it left when it moved units. */
export interface ReservationOutcome {
  reservation: Reservation;
  /**
   * The product's stock right after this call moved units (taken in the same
   * atomic step); null when it moved none: the reservation existed already,
   * or was released already.
   */
  stockAfter: StockLevel | null;
}

export interface StockAdjustment {
  productId: string;
  warehouseId: string;
  /** Positive adds units, negative removes them; never zero. */
  delta: number;
  reason: string;
}

export interface ReservationRequest {
  reservationId: string;
  productId: string;
  quantity: number;
}

/** Units on hand of one product per warehouse, as the seed writes them. */
export interface SeedStock {
  productId: string;
  onHand: Record<string, number>;
}

/**
 * The inventory data: one implementation in this process, one in Redis.
 * Stock changes are atomic (check and write in one step); both throw the
 * coded errors of `./errors` and count their round trips.
 */
export interface InventoryStore extends SubgraphStore {
  /** One StockLevel per id, in order; unknown products have zero stock. One round trip per batch. */
  getStockLevels(productIds: readonly string[]): Promise<StockLevel[]>;
  /** Sorted by id. */
  listWarehouses(): Promise<Warehouse[]>;
  getWarehouses(ids: readonly string[]): Promise<Array<Warehouse | null>>;
  getReservation(id: string): Promise<Reservation | null>;
  /** WAREHOUSE_NOT_FOUND, or INSUFFICIENT_STOCK when the warehouse's available would go below zero. */
  adjustStock(adjustment: StockAdjustment): Promise<StockLevel>;
  /**
   * Allocates across warehouses (see `allocateGreedily`) and reserves, all or
   * nothing; INSUFFICIENT_STOCK when the product lacks the units. The same
   * reservationId again returns the existing reservation (never reserves twice;
   * `stockAfter` null); with another product or quantity, IDEMPOTENCY_KEY_REUSED.
   */
  reserveStock(request: ReservationRequest): Promise<ReservationOutcome>;
  /** Returns the units; releasing a RELEASED reservation returns it unchanged (`stockAfter` null). RESERVATION_NOT_FOUND. */
  releaseReservation(reservationId: string): Promise<ReservationOutcome>;
  /** Writes the warehouses that are missing (they are reference data: there is no API to create one). */
  ensureWarehouses(warehouses: readonly Warehouse[]): Promise<void>;
  /** Writes the stock of products that have none yet; never overwrites. Skipped once the store is seeded. */
  seed(stock: readonly SeedStock[]): Promise<SeedOutcome>;
}
