import { InProcessEventLog } from '../../lib/events/memory-log';
import type { EventAppender } from '../shared/event-log';
import type { SeedOutcome, StoreStats } from '../shared/store';
import { insufficientStock, reservationIdReused, reservationNotFound, warehouseNotFound } from './errors';
import { stockChangedByAdjustment, stockChangedByReservation } from './events';
import { allocateGreedily, buildStockLevel, byId, totalAvailable, type WarehouseCounts } from './stock';
import {
  ADJUSTMENT_LOG_LIMIT,
  type InventoryStore,
  type Reservation,
  type ReservationOutcome,
  type ReservationRequest,
  type SeedStock,
  type StockAdjustment,
  type StockLevel,
  type Warehouse,
} from './store';

/**
 * Inventory in this process. Every method checks, writes and appends its
 * events without an await in between, so concurrent requests cannot both
 * take the last unit and no change is made without its event.
 */
export class MemoryInventoryStore implements InventoryStore {
  readonly kind = 'memory';
  readonly stats: StoreStats = { roundTrips: 0 };
  private readonly warehouses = new Map<string, Warehouse>();
  /** productId -> warehouseId -> counts */
  private readonly stock = new Map<string, Map<string, WarehouseCounts>>();
  private readonly reservations = new Map<string, Reservation>();
  /** The audit trail of adjustments, newest last. */
  readonly adjustments: Array<StockAdjustment & { at: string }> = [];
  private seeded = false;

  constructor(private readonly events: EventAppender = new InProcessEventLog()) {}

  async getStockLevels(productIds: readonly string[]): Promise<StockLevel[]> {
    this.stats.roundTrips++;
    const warehouses = [...this.warehouses.values()];
    return productIds.map((id) => this.levelOf(id, warehouses));
  }

  async listWarehouses(): Promise<Warehouse[]> {
    this.stats.roundTrips++;
    return [...this.warehouses.values()].sort(byId);
  }

  async getWarehouses(ids: readonly string[]): Promise<Array<Warehouse | null>> {
    this.stats.roundTrips++;
    return ids.map((id) => this.warehouses.get(id) ?? null);
  }

  async getReservation(id: string): Promise<Reservation | null> {
    this.stats.roundTrips++;
    return cloneReservation(this.reservations.get(id));
  }

  async adjustStock({ productId, warehouseId, delta, reason }: StockAdjustment): Promise<StockLevel> {
    this.stats.roundTrips++;
    if (!this.warehouses.has(warehouseId)) throw warehouseNotFound(warehouseId);
    const counts = this.countsOf(productId, warehouseId);
    const available = counts.onHand - counts.reserved;
    if (available + delta < 0) throw insufficientStock(productId, -delta, available, warehouseId);
    counts.onHand += delta;
    this.adjustments.push({ productId, warehouseId, delta, reason, at: new Date().toISOString() });
    if (this.adjustments.length > ADJUSTMENT_LOG_LIMIT) this.adjustments.shift();
    const level = this.levelOf(productId, [...this.warehouses.values()]);
    this.events.appendNow([stockChangedByAdjustment({ productId, warehouseId, delta, reason }, level)]);
    return level;
  }

  async reserveStock({ reservationId, productId, quantity }: ReservationRequest): Promise<ReservationOutcome> {
    this.stats.roundTrips++;
    const existing = this.reservations.get(reservationId);
    if (existing) {
      if (existing.productId !== productId || existing.quantity !== quantity) throw reservationIdReused(reservationId, existing);
      return { reservation: cloneReservation(existing)!, stockAfter: null };
    }
    const perWarehouse = [...this.warehouses.keys()].map((warehouseId) => {
      const counts = this.stock.get(productId)?.get(warehouseId) ?? { onHand: 0, reserved: 0 };
      return { warehouseId, available: counts.onHand - counts.reserved };
    });
    const allocations = allocateGreedily(perWarehouse, quantity);
    if (!allocations) throw insufficientStock(productId, quantity, totalAvailable(perWarehouse));
    for (const { warehouseId, quantity: units } of allocations) this.countsOf(productId, warehouseId).reserved += units;
    const reservation: Reservation = { id: reservationId, productId, quantity, status: 'ACTIVE', allocations, createdAt: new Date().toISOString() };
    this.reservations.set(reservationId, reservation);
    const stockAfter = this.levelOf(productId, [...this.warehouses.values()]);
    this.events.appendNow(stockChangedByReservation(reservation, stockAfter, 'reserved'));
    return { reservation: cloneReservation(reservation)!, stockAfter };
  }

  async releaseReservation(reservationId: string): Promise<ReservationOutcome> {
    this.stats.roundTrips++;
    const reservation = this.reservations.get(reservationId);
    if (!reservation) throw reservationNotFound(reservationId);
    if (reservation.status !== 'ACTIVE') return { reservation: cloneReservation(reservation)!, stockAfter: null };
    for (const { warehouseId, quantity } of reservation.allocations) {
      const counts = this.countsOf(reservation.productId, warehouseId);
      counts.reserved = Math.max(0, counts.reserved - quantity);
    }
    reservation.status = 'RELEASED';
    reservation.releasedAt = new Date().toISOString();
    const stockAfter = this.levelOf(reservation.productId, [...this.warehouses.values()]);
    this.events.appendNow(stockChangedByReservation(reservation, stockAfter, 'released'));
    return { reservation: cloneReservation(reservation)!, stockAfter };
  }

  async ensureWarehouses(warehouses: readonly Warehouse[]): Promise<void> {
    this.stats.roundTrips++;
    for (const warehouse of warehouses) if (!this.warehouses.has(warehouse.id)) this.warehouses.set(warehouse.id, { ...warehouse });
  }

  async seed(stock: readonly SeedStock[]): Promise<SeedOutcome> {
    this.stats.roundTrips++;
    if (this.seeded) return { seeded: false };
    for (const { productId, onHand } of stock) {
      if (this.stock.has(productId)) continue;
      this.stock.set(productId, new Map(Object.entries(onHand).map(([warehouseId, units]) => [warehouseId, { onHand: units, reserved: 0 }])));
    }
    this.seeded = true;
    return { seeded: true };
  }

  private levelOf(productId: string, warehouses: readonly Warehouse[]): StockLevel {
    const byWarehouse = this.stock.get(productId);
    return buildStockLevel(productId, warehouses, (warehouseId) => byWarehouse?.get(warehouseId));
  }

  /** The live counts of a product in a warehouse, created at zero. */
  private countsOf(productId: string, warehouseId: string): WarehouseCounts {
    let byWarehouse = this.stock.get(productId);
    if (!byWarehouse) this.stock.set(productId, (byWarehouse = new Map()));
    let counts = byWarehouse.get(warehouseId);
    if (!counts) byWarehouse.set(warehouseId, (counts = { onHand: 0, reserved: 0 }));
    return counts;
  }
}

/** Callers get copies: a reservation handed out never changes under them. */
function cloneReservation(reservation: Reservation | undefined): Reservation | null {
  return reservation ? { ...reservation, allocations: reservation.allocations.map((a) => ({ ...a })) } : null;
}
