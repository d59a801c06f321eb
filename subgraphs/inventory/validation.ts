import { badUserInput } from '../shared/errors';
import { requireText } from '../shared/validation';
import type { ReservationRequest, StockAdjustment } from './store';

/** The most units one adjustment or reservation may move. */
export const MAX_UNITS_PER_CHANGE = 1_000_000;
const MAX_ID_LENGTH = 200;

export function validateAdjustment(args: StockAdjustment): StockAdjustment {
  const { delta } = args;
  if (!Number.isInteger(delta) || delta === 0 || Math.abs(delta) > MAX_UNITS_PER_CHANGE) {
    throw badUserInput('delta', `delta must be a non-zero integer between -${MAX_UNITS_PER_CHANGE} and ${MAX_UNITS_PER_CHANGE} (got ${delta})`);
  }
  return {
    productId: requireText(args.productId, 'productId', MAX_ID_LENGTH),
    warehouseId: requireText(args.warehouseId, 'warehouseId', MAX_ID_LENGTH),
    delta,
    reason: requireText(args.reason, 'reason', 500),
  };
}

export function validateReservation(args: ReservationRequest): ReservationRequest {
  const { quantity } = args;
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_UNITS_PER_CHANGE) {
    throw badUserInput('quantity', `quantity must be between 1 and ${MAX_UNITS_PER_CHANGE} (got ${quantity})`);
  }
  return {
    productId: requireText(args.productId, 'productId', MAX_ID_LENGTH),
    reservationId: requireText(args.reservationId, 'reservationId', MAX_ID_LENGTH),
    quantity,
  };
}

export function validateReservationId(reservationId: string): string {
  return requireText(reservationId, 'reservationId', MAX_ID_LENGTH);
}
