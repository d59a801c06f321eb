import type DataLoader from 'dataloader';
import { createBatchLoader } from '../shared/loaders';
import type { Product, ProductStore } from './store';

export interface ProductLoaders {
  /** Product by id, null when unknown: entity references and `product(id)`. */
  productById: DataLoader<string, Product | null>;
}

export function createProductLoaders(store: ProductStore): ProductLoaders {
  return { productById: createBatchLoader((ids) => store.getProducts(ids)) };
}
