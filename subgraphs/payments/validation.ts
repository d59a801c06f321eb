import { badUserInput } from '../shared/errors';
import type { Money } from '../shared/money';
import { requireText, validateMoney } from '../shared/validation';
import type { PaymentItem } from './store';

const MAX_ID_LENGTH = 200;
export const MAX_ITEMS = 100;
export const MAX_ITEM_QUANTITY = 10_000;

export interface AuthorizePaymentInput {
  orderId: string;
  customerId: string;
  amount: Money;
  items: PaymentItem[];
}

/** BAD_USER_INPUT naming the first invalid field: a positive amount in an ISO currency, 1..100 items with positive quantities. */
export function validateAuthorization(input: AuthorizePaymentInput, idempotencyKey: string) {
  const key = requireText(idempotencyKey, 'idempotencyKey', MAX_ID_LENGTH);
  const orderId = requireText(input.orderId, 'input.orderId', MAX_ID_LENGTH);
  const customerId = requireText(input.customerId, 'input.customerId', MAX_ID_LENGTH);
  const amount = validatePaymentAmount(input.amount, 'input.amount');
  if (input.items.length === 0) throw badUserInput('input.items', 'input.items must list at least one item');
  if (input.items.length > MAX_ITEMS) throw badUserInput('input.items', `input.items must list at most ${MAX_ITEMS} items (got ${input.items.length})`);
  const items = input.items.map((item, i) => {
    const argument = `input.items[${i}]`;
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_ITEM_QUANTITY) {
      throw badUserInput(`${argument}.quantity`, `${argument}.quantity must be between 1 and ${MAX_ITEM_QUANTITY} (got ${item.quantity})`);
    }
    return { productId: requireText(item.productId, `${argument}.productId`, MAX_ID_LENGTH), quantity: item.quantity };
  });
  return { idempotencyKey: key, orderId, customerId, amount, items };
}

/** Payment and refund amounts: positive minor units in an ISO 4217 currency. */
export function validatePaymentAmount(amount: Money, argument: string): Money {
  return validateMoney(amount, argument, { allowZero: false });
}
