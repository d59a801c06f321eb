import { createEvent, productKey, type StockChangedEvent } from '../../lib/events/catalogue';
import type { Reservation, StockAdjustment, StockLevel } from './store';

/** The subscription fields of schemas/inventory.graphql (served by the gateway from these events). */
export const INVENTORY_SUBSCRIPTIONS = ['stockChanged'];

/** `adjustStock`: one event, the warehouse's delta and reason as given, the product's totals after it. */
export function stockChangedByAdjustment({ productId, warehouseId, delta, reason }: StockAdjustment, stockAfter: StockLevel): StockChangedEvent {
  return createEvent('StockChanged', {
    entity: productKey(productId),
    productId,
    warehouseId,
    delta,
    onHand: stockAfter.onHand,
    reserved: stockAfter.reserved,
    available: stockAfter.available,
    reason,
  });
}

/** The reason a reservation's (`reserved`) or its release's (`released`) events give. */
export function reservationReason(reservationId: string, change: 'reserved' | 'released'): string {
  return `${change === 'reserved' ? 'reservation' : 'release'}:${reservationId}`;
}

/**
 * StockChanged for a store script to complete with what only it knows: the
 * totals after the change (and for reservations the warehouse, the delta and
 * a distinct id per allocation, derived from this one).
 */
export function stockChangeTemplate(productId: string, reason: string, warehouseId: string | null = null, delta = 0): StockChangedEvent {
  return createEvent('StockChanged', { entity: productKey(productId), productId, warehouseId, delta, onHand: 0, reserved: 0, available: 0, reason });
}

/**
 * `reserveStock` (units leave available: `reservation:<id>`) and
 * `releaseReservation` (they come back: `release:<id>`): one event per
 * warehouse the reservation took units from, so a subscriber filtering by
 * warehouse sees its own. The allocations change in one atomic step; each
 * event carries the totals as if they had changed one after the other, in
 * allocation order, so the last event's totals are the stock after the
 * change and every event's totals follow from the previous one and its delta.
 */
export function stockChangedByReservation(reservation: Reservation, stockAfter: StockLevel, change: 'reserved' | 'released'): StockChangedEvent[] {
  const sign = change === 'reserved' ? -1 : 1;
  const reason = reservationReason(reservation.id, change);
  const occurredAt = new Date();
  // Units of the allocations after the current one: not yet applied at that event.
  let later = reservation.allocations.reduce((sum, { quantity }) => sum + quantity, 0);
  return reservation.allocations.map(({ warehouseId, quantity }) => {
    later -= quantity;
    return createEvent(
      'StockChanged',
      {
        entity: productKey(reservation.productId),
        productId: reservation.productId,
        warehouseId,
        delta: sign * quantity,
        onHand: stockAfter.onHand,
        reserved: stockAfter.reserved + sign * later,
        available: stockAfter.available - sign * later,
        reason,
      },
      occurredAt,
    );
  });
}
