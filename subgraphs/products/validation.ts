import { badUserInput } from '../shared/errors';
import type { Money } from '../shared/money';
import { requireText, validateMoney } from '../shared/validation';
import type { NewProduct } from './store';

const SKU = /^[A-Z0-9][A-Z0-9-]{1,39}$/;
const CATEGORY = /^[a-z][a-z0-9-]{0,39}$/;

export interface CreateProductInput {
  sku: string;
  name: string;
  description?: string | null;
  category: string;
  price: Money;
}

/** BAD_USER_INPUT naming the first invalid field, else the product to create. */
export function validateNewProduct(input: CreateProductInput): NewProduct {
  const sku = input.sku.trim();
  if (!SKU.test(sku)) throw badUserInput('input.sku', `input.sku must be 2 to 40 capital letters, digits or dashes (got "${input.sku}")`);
  const category = input.category.trim();
  if (!CATEGORY.test(category)) {
    throw badUserInput('input.category', `input.category must be 1 to 40 lower-case letters, digits or dashes, starting with a letter (got "${input.category}")`);
  }
  const description = (input.description ?? '').trim();
  if (description.length > 2_000) throw badUserInput('input.description', 'input.description must be at most 2000 characters');
  return {
    sku,
    name: requireText(input.name, 'input.name', 200),
    description,
    category,
    price: validatePrice(input.price, 'input.price'),
  };
}

/** Prices are zero or positive minor units in an ISO 4217 currency. */
export function validatePrice(price: Money, argument: string): Money {
  return validateMoney(price, argument, { allowZero: true });
}
