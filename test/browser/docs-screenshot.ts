/**
 * Writes docs/dashboard.png, the README's picture of the dashboard: the real
 * stack on loopback, an operator signed in, 30 s of bounded traffic (queries,
 * stock, price and payment mutations) so the charts have lines. Not a spec
 * (jest's testMatch skips it); run it once when the dashboard changes:
 *
 *   npm run build && npx jest --testMatch '**\/test/browser/docs-screenshot.ts'
 */
import { join } from 'node:path';
import { startStack } from '../support/stack';
import { launchChromium } from './browser';
import { graphql } from './gateway-helpers';

const TRAFFIC_MS = 30_000;

it('writes docs/dashboard.png', async () => {
  const [stack, browser] = await Promise.all([startStack({ store: 'memory' }), launchChromium()]);
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(stack.url.replace(/\/graphql$/, '/dashboard'));
    await page.locator('#dev-operator').click();
    await page.locator('#connection[data-connection="live"]').waitFor();
    const until = Date.now() + TRAFFIC_MS;
    for (let i = 0; Date.now() < until; i++) {
      const product = `p-000${1 + (i % 4)}`;
      await Promise.all([
        graphql(stack.url, `query Catalogue { products(first: 5) { nodes { name price { amount } } } }`),
        graphql(stack.url, `query ProductPage { product(id: "${product}") { name stock { available } } }`),
        graphql(stack.url, `mutation Restock { adjustStock(productId: "${product}", warehouseId: "wh-${1 + (i % 3)}", delta: ${1 + (i % 3)}, reason: "restock") { stock { available } } }`),
        i % 8 === 0 && graphql(stack.url, `mutation Reprice { updateProductPrice(id: "${product}", price: { amount: ${1999 + i}, currency: "USD" }) { id } }`),
        i % 10 === 0 &&
          graphql(stack.url, `mutation Pay { authorizePayment(idempotencyKey: "docs-${i}-${Date.now()}", input: { orderId: "o-${i}", customerId: "c-00${1 + (i % 5)}", amount: { amount: 4999, currency: "USD" }, items: [{ productId: "${product}", quantity: 1 }] }) { id } }`),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await page.screenshot({ path: join(__dirname, '..', '..', 'docs', 'dashboard.png') });
  } finally {
    await browser.close();
    await stack.close();
  }
}, 120_000);
