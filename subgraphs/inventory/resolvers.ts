import type { ResolverMap } from '../shared/resolver-map';
import type { StockChangedEvent } from '../../lib/events/catalogue';
import { gatewayOnlySubscriptions } from '../shared/events';
import type { Identity } from '../shared/gateway-auth';
import { INVENTORY_SUBSCRIPTIONS } from './events';
import type { InventoryLoaders } from './loaders';
import type { Allocation, InventoryStore, Reservation, ReservationRequest, StockAdjustment } from './store';
import { validateAdjustment, validateReservation, validateReservationId } from './validation';

export interface InventoryContext {
  store: InventoryStore;
  loaders: InventoryLoaders;
  /** The caller, as signed by the gateway (the gateway already applied @requiresScopes to mutations). */
  identity: Identity;
}

interface Money {
  amount: number;
  currency: string;
}

/** Inventory's Product is its key; `stock` is resolved per field through the loader. */
type ProductRef = { id: string };

export const inventoryResolvers: ResolverMap<InventoryContext> = {
  Query: {
    warehouses: (_: unknown, __: unknown, { store }: InventoryContext) => store.listWarehouses(),
    reservation: (_: unknown, { id }: { id: string }, { store }: InventoryContext) => store.getReservation(id),
  },

  // The store appends StockChanged (./events) in the step that changes the stock; a replayed reservation changes nothing and appends nothing.
  Mutation: {
    adjustStock: async (_: unknown, args: StockAdjustment, { store, loaders }: InventoryContext): Promise<ProductRef> => {
      const adjustment = validateAdjustment(args);
      const level = await store.adjustStock(adjustment);
      // The answer already holds the new stock: selecting it costs no second trip.
      loaders.stockByProductId.clear(adjustment.productId).prime(adjustment.productId, level);
      return { id: adjustment.productId };
    },

    reserveStock: async (_: unknown, args: ReservationRequest, { store, loaders }: InventoryContext) => {
      const { reservation } = await store.reserveStock(validateReservation(args));
      loaders.stockByProductId.clear(reservation.productId);
      return reservation;
    },

    releaseReservation: async (_: unknown, args: { reservationId: string }, { store, loaders }: InventoryContext) => {
      const { reservation } = await store.releaseReservation(validateReservationId(args.reservationId));
      loaders.stockByProductId.clear(reservation.productId);
      return reservation;
    },
  },

  Subscription: gatewayOnlySubscriptions(INVENTORY_SUBSCRIPTIONS),

  // The gateway serves these from the event itself (the planner's first fetch); the entity field leads to the Product.
  StockChangedEvent: {
    product: (event: StockChangedEvent): ProductRef => ({ id: event.productId }),
  },

  Product: {
    __resolveReference: (reference: ProductRef & { price?: Money }): ProductRef => reference,
    stock: (product: ProductRef, _: unknown, { loaders }: InventoryContext) => loaders.stockByProductId.load(product.id),
    // The gateway sends the price with the reference (@requires); the units come from the same batched loader as `stock`.
    stockValue: async (product: ProductRef & { price?: Money }, _: unknown, { loaders }: InventoryContext): Promise<Money | null> => {
      if (!product.price) return null;
      const level = await loaders.stockByProductId.load(product.id);
      return level ? { amount: level.onHand * product.price.amount, currency: product.price.currency } : null;
    },
  },

  Reservation: {
    product: (reservation: Reservation): ProductRef => ({ id: reservation.productId }),
    allocations: (reservation: Reservation, _: unknown, { loaders }: InventoryContext) =>
      reservation.allocations.map(({ warehouseId, quantity }: Allocation) => ({ warehouse: loaders.warehouseById.load(warehouseId), quantity })),
  },
};
