import type { Money } from '../shared/money';
import type { Page } from '../shared/pagination';
import type { SeedOutcome, SubgraphStore } from '../shared/store';

export interface Product {
  /** `p-0001`, `p-0002`, ...: derived from `seq`. */
  id: string;
  /** Creation order: the catalogue order and what cursors point at. */
  seq: number;
  sku: string;
  name: string;
  description: string;
  category: string;
  price: Money;
}

export type NewProduct = Omit<Product, 'id' | 'seq'>;

/** What a price update did: the product as it is now, and the price it had (taken in the same atomic step). */
export interface PriceUpdate {
  product: Product;
  previousPrice: Money;
}

export interface ProductListQuery {
  first: number;
  /** Only products created after this one (a decoded cursor). */
  afterSeq?: number;
  category?: string;
}

/** A product's id from its sequence number: `p-0001` ... `p-9999`, then `p-10000`. */
export function productId(seq: number): string {
  return `p-${String(seq).padStart(4, '0')}`;
}

/**
 * The products data: one implementation in this process, one in Redis.
 * Both throw the coded errors of `./errors` and count their round trips.
 */
export interface ProductStore extends SubgraphStore {
  /** In the order of `ids`, null for unknown ids; one round trip for the whole batch. */
  getProducts(ids: readonly string[]): Promise<Array<Product | null>>;
  /** Catalogue order (oldest first), optionally one category; one round trip. */
  listProducts(query: ProductListQuery): Promise<Page<Product>>;
  /** Assigns the next id; SKU_ALREADY_EXISTS when the sku is taken. */
  createProduct(product: NewProduct): Promise<Product>;
  /** PRODUCT_NOT_FOUND for an unknown id. */
  updateProductPrice(id: string, price: Money): Promise<PriceUpdate>;
  /** Writes whatever of `products` is missing; never overwrites. Skipped once the store is seeded. */
  seed(products: readonly Product[]): Promise<SeedOutcome>;
}
