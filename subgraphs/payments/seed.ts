import { generateSeedProducts } from '../products/seed';
import type { Product } from '../products/store';
import { createSeededRandom } from '../shared/random';
import { paymentId, type Payment, type PaymentItem, type PaymentStatus } from './store';

export const SEED_PAYMENT_COUNT = 300;
export const SEED_CUSTOMER_COUNT = 50;
const SEED = 0x5eed_0003;
/** Seed payments are spread over 2025, oldest first; newer ones are created live. */
const FIRST_CREATED_AT = Date.UTC(2025, 0, 2, 8, 0, 0);

/** `c-001` ... `c-050`. */
export function customerId(n: number): string {
  return `c-${String(n).padStart(3, '0')}`;
}

/**
 * The seed payments, always the same (seeded PRNG): `pay-0001` ...
 * `pay-0300` (oldest first) of customers `c-001` ... `c-050`, each for 1 to
 * 4 seed products in one currency with amount = sum of price x quantity.
 * Statuses: about 40% CAPTURED (a third of them partly refunded), 25%
 * AUTHORIZED, 15% REFUNDED, 15% FAILED, 5% PENDING.
 */
export function generateSeedPayments(products: readonly Product[] = generateSeedProducts()): Payment[] {
  const random = createSeededRandom(SEED);
  const byCurrency = new Map<string, Product[]>();
  for (const product of products) {
    const list = byCurrency.get(product.price.currency) ?? [];
    list.push(product);
    byCurrency.set(product.price.currency, list);
  }
  const currencies = [...byCurrency.keys()].sort();

  const payments: Payment[] = [];
  let createdAt = FIRST_CREATED_AT;
  for (let seq = 1; seq <= SEED_PAYMENT_COUNT; seq++) {
    createdAt += random.int(20, 1_700) * 60_000;
    const currency = random.chance(0.75) && byCurrency.has('USD') ? 'USD' : random.pick(currencies);
    const catalogue = byCurrency.get(currency)!;
    const items: PaymentItem[] = [];
    let amount = 0;
    for (let i = random.int(1, 4); i > 0; i--) {
      const product = random.pick(catalogue);
      const quantity = random.int(1, 3);
      const existing = items.find((item) => item.productId === product.id);
      if (existing) existing.quantity += quantity;
      else items.push({ productId: product.id, quantity });
      amount += product.price.amount * quantity;
    }
    const status = pickStatus(random.next());
    const refunded = status === 'REFUNDED' ? amount : status === 'CAPTURED' && random.chance(1 / 3) ? Math.floor(amount * random.int(10, 90) / 100) : 0;
    payments.push({
      id: paymentId(seq),
      seq,
      orderId: `ord-${String(seq).padStart(5, '0')}`,
      customerId: customerId(random.int(1, SEED_CUSTOMER_COUNT)),
      amount: { amount, currency },
      refunded,
      status,
      createdAt: new Date(createdAt).toISOString(),
      items,
    });
  }
  return payments;
}

function pickStatus(roll: number): PaymentStatus {
  if (roll < 0.4) return 'CAPTURED';
  if (roll < 0.65) return 'AUTHORIZED';
  if (roll < 0.8) return 'REFUNDED';
  if (roll < 0.95) return 'FAILED';
  return 'PENDING';
}
