import { BAD_USER_INPUT, DomainError } from '../shared/errors';

/** Every `extensions.code` the products subgraph answers with. */
export const ProductsErrorCode = {
  ProductNotFound: 'PRODUCT_NOT_FOUND',
  SkuAlreadyExists: 'SKU_ALREADY_EXISTS',
  BadUserInput: BAD_USER_INPUT,
} as const;
export type ProductsErrorCode = (typeof ProductsErrorCode)[keyof typeof ProductsErrorCode];

export function productNotFound(productId: string): DomainError<ProductsErrorCode> {
  return new DomainError(ProductsErrorCode.ProductNotFound, `No product with id "${productId}"`, { productId });
}

export function skuAlreadyExists(sku: string): DomainError<ProductsErrorCode> {
  return new DomainError(ProductsErrorCode.SkuAlreadyExists, `A product with sku "${sku}" already exists`, { sku });
}
