import { createEvent, productKey, type PriceChangedEvent, type ProductCreatedEvent } from '../../lib/events/catalogue';
import type { Money } from '../shared/money';
import type { Product } from './store';

/** The subscription fields of schemas/products.graphql (served by the gateway from these events). */
export const PRODUCTS_SUBSCRIPTIONS = ['priceChanged', 'productCreated'];

export function productCreated(product: Product): ProductCreatedEvent {
  return createEvent('ProductCreated', {
    entity: productKey(product.id),
    productId: product.id,
    sku: product.sku,
    name: product.name,
    price: { amount: product.price.amount, currency: product.price.currency },
  });
}

/**
 * PriceChanged of a product about to get `newPrice`, for a store script to
 * complete: the script fills in `oldPrice` and appends it only when the price
 * changes.
 */
export function priceChangeTemplate(productId: string, newPrice: Money): PriceChangedEvent {
  return createEvent('PriceChanged', {
    entity: productKey(productId),
    productId,
    oldPrice: { amount: 0, currency: '' },
    newPrice: { amount: newPrice.amount, currency: newPrice.currency },
  });
}

/** `updateProductPrice`: null when the price stayed what it was (setting the same price again is no change). */
export function priceChanged(product: Product, previousPrice: Money): PriceChangedEvent | null {
  if (previousPrice.amount === product.price.amount && previousPrice.currency === product.price.currency) return null;
  return createEvent('PriceChanged', {
    entity: productKey(product.id),
    productId: product.id,
    oldPrice: { amount: previousPrice.amount, currency: previousPrice.currency },
    newPrice: { amount: product.price.amount, currency: product.price.currency },
  });
}
