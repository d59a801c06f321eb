import { randomUUID } from 'node:crypto';

/**
 * The domain events subgraphs publish and the gateway turns into GraphQL
 * subscriptions: one channel per event type, namespaced by the subgraph that
 * owns it (`events.<subgraph>.<Type>`). The schemas name the same channels in
 * `@event(channel:)` on their Subscription fields (see ./schema).
 *
 * Every event carries its own `id` (consumers may drop duplicates by it),
 * when it happened, its `type`, and `entity`: the key of the entity it is
 * about, ready to be used as an `_entities` representation. Each event type
 * has exactly one entity-typed field in the schema (`product` or `payment`),
 * and that field is this `entity`. The other fields are named as in the schema.
 */

/** Event type -> channel. */
export const EVENT_CHANNELS = {
  StockChanged: 'events.inventory.StockChanged',
  PaymentStatusChanged: 'events.payments.PaymentStatusChanged',
  PriceChanged: 'events.products.PriceChanged',
  ProductCreated: 'events.products.ProductCreated',
} as const;

export type EventType = keyof typeof EVENT_CHANNELS;
export type EventChannel = (typeof EVENT_CHANNELS)[EventType];

/** Which subgraph publishes each event type (it alone serves it on its `/events`). */
export const EVENT_PUBLISHERS: Readonly<Record<EventType, 'products' | 'inventory' | 'payments'>> = {
  StockChanged: 'inventory',
  PaymentStatusChanged: 'payments',
  PriceChanged: 'products',
  ProductCreated: 'products',
};

/** The channels a subgraph publishes on. */
export function channelsPublishedBy(subgraph: string): EventChannel[] {
  return (Object.keys(EVENT_CHANNELS) as EventType[]).filter((type) => EVENT_PUBLISHERS[type] === subgraph).map((type) => EVENT_CHANNELS[type]);
}

export const ALL_EVENT_CHANNELS: readonly EventChannel[] = Object.values(EVENT_CHANNELS);

export function isEventChannel(channel: string): channel is EventChannel {
  return (ALL_EVENT_CHANNELS as readonly string[]).includes(channel);
}

/** Minor units (cents) and an ISO 4217 code, as in the schemas' `Money`. */
export type EventMoney = {
  amount: number;
  currency: string;
};

export type EventPaymentStatus = 'PENDING' | 'AUTHORIZED' | 'CAPTURED' | 'REFUNDED' | 'FAILED';

// Type aliases rather than interfaces throughout: they are assignable to
// `Record<string, unknown>`-like types, which generic consumers (the gateway) use.

export type ProductKey = {
  __typename: 'Product';
  id: string;
};

export type PaymentKey = {
  __typename: 'Payment';
  id: string;
};

/** What every event has. */
type EventEnvelope<TType extends EventType, TEntity> = {
  /** Unique per event (a UUID). */
  id: string;
  /** ISO 8601: when the change was made durable. */
  occurredAt: string;
  type: TType;
  entity: TEntity;
};

/**
 * Units of a product moved. `delta` is the change of available units (an
 * adjustment's delta; minus the units a reservation takes from a warehouse,
 * plus those a release gives back). `onHand`, `reserved` and `available` are
 * the product's totals over all warehouses right after this change.
 */
export type StockChangedEvent = EventEnvelope<'StockChanged', ProductKey> & {
  productId: string;
  /** The warehouse whose units moved; null when the change is not about one warehouse. */
  warehouseId: string | null;
  delta: number;
  onHand: number;
  reserved: number;
  available: number;
  /** The adjustment's reason as given; `reservation:<id>` and `release:<id>` for reservations. */
  reason: string;
};

/** A payment's status changed (`from` is PENDING for a new payment). */
export type PaymentStatusChangedEvent = EventEnvelope<'PaymentStatusChanged', PaymentKey> & {
  paymentId: string;
  /** Whose payment it is: who may see the event. */
  customerId: string;
  from: EventPaymentStatus;
  to: EventPaymentStatus;
};

/** A product's price changed (never published when the new price equals the old one). */
export type PriceChangedEvent = EventEnvelope<'PriceChanged', ProductKey> & {
  productId: string;
  oldPrice: EventMoney;
  newPrice: EventMoney;
};

export type ProductCreatedEvent = EventEnvelope<'ProductCreated', ProductKey> & {
  productId: string;
  sku: string;
  name: string;
  price: EventMoney;
};

export interface EventsByType {
  StockChanged: StockChangedEvent;
  PaymentStatusChanged: PaymentStatusChangedEvent;
  PriceChanged: PriceChangedEvent;
  ProductCreated: ProductCreatedEvent;
}

export type DomainEvent = EventsByType[EventType];

/** An event's own fields: what a publisher provides (id, occurredAt and type are filled in). */
export type EventFields<TType extends EventType> = Omit<EventsByType[TType], 'id' | 'occurredAt' | 'type'>;

/** A new event of `type`, with a fresh id and the current time. */
export function createEvent<TType extends EventType>(type: TType, fields: EventFields<TType>, occurredAt: Date = new Date()): EventsByType[TType] {
  return { id: randomUUID(), occurredAt: occurredAt.toISOString(), type, ...fields } as EventsByType[TType];
}

export function channelOf(event: DomainEvent): EventChannel {
  return EVENT_CHANNELS[event.type];
}

export const productKey = (id: string): ProductKey => ({ __typename: 'Product', id });
export const paymentKey = (id: string): PaymentKey => ({ __typename: 'Payment', id });

/**
 * An event received as JSON (from Redis or a subgraph's `/events`), checked
 * for the envelope every consumer relies on; null when it is not one. The
 * fields beyond the envelope are trusted: only our subgraphs publish.
 */
export function parseDomainEvent(json: string): DomainEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  return isDomainEvent(value) ? value : null;
}

export function isDomainEvent(value: unknown): value is DomainEvent {
  if (value === null || typeof value !== 'object') return false;
  const event = value as Record<string, unknown>;
  const entity = event.entity as Record<string, unknown> | null | undefined;
  return (
    typeof event.id === 'string' &&
    typeof event.occurredAt === 'string' &&
    typeof event.type === 'string' &&
    Object.prototype.hasOwnProperty.call(EVENT_CHANNELS, event.type) &&
    entity !== null &&
    typeof entity === 'object' &&
    typeof entity.__typename === 'string'
  );
}
