import type { ResolverMap } from '../shared/resolver-map';
import type { PriceChangedEvent, ProductCreatedEvent } from '../../lib/events/catalogue';
import { gatewayOnlySubscriptions } from '../shared/events';
import type { Identity } from '../shared/gateway-auth';
import type { Money } from '../shared/money';
import { decodeCursor, toConnection } from '../shared/pagination';
import { validatePageSize } from '../shared/validation';
import { PRODUCTS_SUBSCRIPTIONS } from './events';
import type { ProductLoaders } from './loaders';
import type { Product, ProductStore } from './store';
import { validateNewProduct, validatePrice, type CreateProductInput } from './validation';

export interface ProductsContext {
  store: ProductStore;
  loaders: ProductLoaders;
  /** The caller, as signed by the gateway (the gateway already applied @requiresScopes to mutations). */
  identity: Identity;
}

/** The product an event is about, through the loader (an event's `product` field). */
const productOf = (event: { productId: string }, _: unknown, { loaders }: ProductsContext): Promise<Product | null> => loaders.productById.load(event.productId);

const CURSOR_KIND = 'products';

export const productsResolvers: ResolverMap<ProductsContext> = {
  Query: {
    product: (_: unknown, { id }: { id: string }, { loaders }: ProductsContext) => loaders.productById.load(id),

    products: async (
      _: unknown,
      args: { first: number; after?: string | null; category?: string | null },
      { store, loaders }: ProductsContext,
    ) => {
      const first = validatePageSize(args.first);
      const afterSeq = args.after == null ? undefined : decodeCursor(CURSOR_KIND, args.after);
      const page = await store.listProducts({ first, afterSeq, category: args.category ?? undefined });
      for (const product of page.nodes) loaders.productById.prime(product.id, product);
      return toConnection(CURSOR_KIND, page);
    },
  },

  Mutation: {
    // The store appends ProductCreated and PriceChanged (when the price changes) with the change itself.
    createProduct: async (_: unknown, { input }: { input: CreateProductInput }, { store, loaders }: ProductsContext) => {
      const product = await store.createProduct(validateNewProduct(input));
      loaders.productById.clear(product.id).prime(product.id, product);
      return product;
    },

    updateProductPrice: async (_: unknown, { id, price }: { id: string; price: Money }, { store, loaders }: ProductsContext) => {
      const { product } = await store.updateProductPrice(id, validatePrice(price, 'price'));
      loaders.productById.clear(id).prime(id, product);
      return product;
    },
  },

  Subscription: gatewayOnlySubscriptions(PRODUCTS_SUBSCRIPTIONS),

  // The gateway serves these from the event itself; the entity field leads to the Product.
  PriceChangedEvent: { product: (event: PriceChangedEvent, args: unknown, context: ProductsContext) => productOf(event, args, context) },
  ProductCreatedEvent: { product: (event: ProductCreatedEvent, args: unknown, context: ProductsContext) => productOf(event, args, context) },

  Product: {
    __resolveReference: (reference: { id: string }, { loaders }: ProductsContext): Promise<Product | null> =>
      loaders.productById.load(reference.id),
  },
};
