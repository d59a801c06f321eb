import { KNOWN_SEED_STOCK, WAREHOUSES, generateSeedStock } from '../../subgraphs/inventory/seed';
import { MemoryInventoryStore } from '../../subgraphs/inventory/memory-store';
import { SEED_CUSTOMER_COUNT, SEED_PAYMENT_COUNT, generateSeedPayments } from '../../subgraphs/payments/seed';
import { MemoryProductStore } from '../../subgraphs/products/memory-store';
import { SEED_CATEGORIES, SEED_PRODUCT_COUNT, generateSeedProducts } from '../../subgraphs/products/seed';

describe('seed data', () => {
  const products = generateSeedProducts();
  const stock = generateSeedStock();
  const payments = generateSeedPayments();

  it('is the same on every run', () => {
    expect(generateSeedProducts()).toEqual(products);
    expect(generateSeedStock()).toEqual(stock);
    expect(generateSeedPayments()).toEqual(payments);
  });

  it('has 1,000 products p-0001 ... p-1000 with unique skus, ten categories and USD or EUR prices in minor units', () => {
    expect(products).toHaveLength(SEED_PRODUCT_COUNT);
    expect(products[0].id).toBe('p-0001');
    expect(products[999].id).toBe('p-1000');
    expect(new Set(products.map((p) => p.sku)).size).toBe(SEED_PRODUCT_COUNT);
    expect(new Set(products.map((p) => p.category))).toEqual(new Set(Object.keys(SEED_CATEGORIES)));
    expect(Object.keys(SEED_CATEGORIES)).toHaveLength(10);
    expect(new Set(products.map((p) => p.price.currency))).toEqual(new Set(['USD', 'EUR']));
    for (const { price, name, description } of products) {
      expect(Number.isInteger(price.amount) && price.amount > 0).toBe(true);
      expect(name).not.toBe('');
      expect(description).not.toBe('');
    }
  });

  it('stocks every product in each of the three warehouses, with the documented known levels', () => {
    expect(WAREHOUSES.map((w) => w.id)).toEqual(['wh-1', 'wh-2', 'wh-3']);
    expect(stock.map((s) => s.productId)).toEqual(products.map((p) => p.id));
    for (const { onHand } of stock) {
      expect(Object.keys(onHand).sort()).toEqual(['wh-1', 'wh-2', 'wh-3']);
      for (const units of Object.values(onHand)) expect(units).toBeGreaterThanOrEqual(0);
    }
    for (const [productId, levels] of Object.entries(KNOWN_SEED_STOCK)) {
      expect(stock.find((s) => s.productId === productId)!.onHand).toEqual(levels);
    }
  });

  it('has 300 payments of c-001 ... c-050 for seeded products, amounts matching their prices, and every status', () => {
    const byId = new Map(products.map((p) => [p.id, p]));
    expect(payments).toHaveLength(SEED_PAYMENT_COUNT);
    expect(payments[0].id).toBe('pay-0001');
    const customers = new Set(payments.map((p) => p.customerId));
    expect(customers.size).toBeGreaterThan(40);
    expect(customers.size).toBeLessThanOrEqual(SEED_CUSTOMER_COUNT);
    for (const customer of customers) expect(customer).toMatch(/^c-0[0-5]\d$/);
    for (const payment of payments) {
      expect(payment.items.length).toBeGreaterThan(0);
      let total = 0;
      for (const item of payment.items) {
        const product = byId.get(item.productId)!;
        expect(product.price.currency).toBe(payment.amount.currency);
        total += product.price.amount * item.quantity;
      }
      expect(payment.amount.amount).toBe(total);
      expect(payment.refunded).toBeLessThanOrEqual(payment.amount.amount);
      if (payment.status === 'REFUNDED') expect(payment.refunded).toBe(payment.amount.amount);
      else if (payment.status !== 'CAPTURED') expect(payment.refunded).toBe(0);
    }
    expect(new Set(payments.map((p) => p.status))).toEqual(new Set(['PENDING', 'AUTHORIZED', 'CAPTURED', 'REFUNDED', 'FAILED']));
    expect(payments.some((p) => p.status === 'CAPTURED' && p.refunded > 0)).toBe(true);
    const times = payments.map((p) => Date.parse(p.createdAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('is written once into an in-process store; a second seed is a no-op', async () => {
    const productStore = new MemoryProductStore();
    expect(await productStore.seed(products)).toEqual({ seeded: true });
    expect(await productStore.seed(products)).toEqual({ seeded: false });
    const inventoryStore = new MemoryInventoryStore();
    await inventoryStore.ensureWarehouses(WAREHOUSES);
    expect(await inventoryStore.seed(stock)).toEqual({ seeded: true });
    expect(await inventoryStore.seed(stock)).toEqual({ seeded: false });
  });
});
