import { BAD_USER_INPUT, DomainError } from '../shared/errors';

/** Every `extensions.code` the inventory subgraph answers with. */
export const InventoryErrorCode = {
  InsufficientStock: 'INSUFFICIENT_STOCK',
  WarehouseNotFound: 'WAREHOUSE_NOT_FOUND',
  ReservationNotFound: 'RESERVATION_NOT_FOUND',
  /** A reservationId used again for another product or quantity. */
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  BadUserInput: BAD_USER_INPUT,
} as const;
export type InventoryErrorCode = (typeof InventoryErrorCode)[keyof typeof InventoryErrorCode];

export function insufficientStock(productId: string, requested: number, available: number, warehouseId?: string): DomainError<InventoryErrorCode> {
  const where = warehouseId ? ` in warehouse ${warehouseId}` : '';
  return new DomainError(
    InventoryErrorCode.InsufficientStock,
    `Not enough stock of product ${productId}${where}: ${requested} requested, ${available} available`,
    { productId, requested, available, ...(warehouseId ? { warehouseId } : {}) },
  );
}

export function warehouseNotFound(warehouseId: string): DomainError<InventoryErrorCode> {
  return new DomainError(InventoryErrorCode.WarehouseNotFound, `No warehouse with id "${warehouseId}"`, { warehouseId });
}

export function reservationNotFound(reservationId: string): DomainError<InventoryErrorCode> {
  return new DomainError(InventoryErrorCode.ReservationNotFound, `No reservation with id "${reservationId}"`, { reservationId });
}

export function reservationIdReused(reservationId: string, existing: { productId: string; quantity: number }): DomainError<InventoryErrorCode> {
  return new DomainError(
    InventoryErrorCode.IdempotencyKeyReused,
    `Reservation ${reservationId} already exists for ${existing.quantity} of product ${existing.productId}; use a new reservationId for a different reservation`,
    { reservationId },
  );
}
