import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort } from '../support/ports';
import { runCompiled, waitForOk, type RunningProcess } from '../support/process';
import { startStack, type Stack } from '../support/stack';
import { devAuthorization } from '../support/tokens';
import { launchChromium, loopbackOnly, screenshot, screenshotFolder } from './browser';
import { eventually, graphql, metricValue } from './gateway-helpers';

/**
 * The operations dashboard in Debian's headless chromium against the real
 * stack: three subgraphs on loopback and a compiled gateway run as its own
 * process (so the restart spec can kill it outright and start it again on the
 * same port). Mutations go through that gateway.
 */
describe('the operations dashboard on /dashboard', () => {
  let stack: Stack;
  let browser: Browser;
  let port: number;
  let gateway: RunningProcess;
  let base: string;
  const folder = screenshotFolder('dashboard');

  const startGatewayProcess = async () => {
    gateway = runCompiled('gateway/src/main.js', [], { SUPERGRAPH_PATH: stack.supergraphPath, GATEWAY_PORT: String(port), GATEWAY_HOST: '127.0.0.1', NODE_ENV: 'development', LOG_LEVEL: 'warn' });
    await waitForOk(`${base}/ready`, gateway);
  };
  const graphqlUrl = () => `${base}/graphql`;
  /**
   * The one open page's three subscriptions are running on the gateway: one subscriber group each. Each spec
   * closes its page when done, so the groups of the page under test are the only ones.
   */
  const pageSubscribed = () => eventually(async () => expect(await metricValue(`${base}/metrics`, 'gateway_subscriptions_groups')).toBe(3));

  beforeAll(async () => {
    [stack, browser, port] = await Promise.all([startStack({ store: 'memory' }), launchChromium(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    await startGatewayProcess();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await stack?.close();
  });

  async function openDashboard(): Promise<{ page: Page; context: BrowserContext; blocked: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const { blocked } = await loopbackOnly(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => console.log(`the dashboard threw: ${error.message}`));
    await page.goto(`${base}/dashboard`);
    return { page, context, blocked };
  }

  const feedItem = (page: Page, text: string) => page.locator('#event-feed li', { hasText: text });

  describe('signed in as an operator', () => {
    let page: Page;
    let context: BrowserContext;
    let blocked: string[];

    beforeAll(async () => {
      ({ page, context, blocked } = await openDashboard());
    });
    afterAll(() => context?.close());

    it('signs in with the development operator token and goes live', async () => {
      await page.locator('#dev-operator').click();
      await page.locator('#connection[data-connection="live"]').waitFor();
      await page.locator('#who', { hasText: 'gateway:dashboard' }).waitFor();
      await page.locator('tr[data-product="p-0002"][data-warehouse="wh-2"]').waitFor();
    });

    it('shows a mutation’s stock event enriched with the product’s name, price and stock, and updates that warehouse’s row in place', async () => {
      const row = page.locator('tr[data-product="p-0002"][data-warehouse="wh-2"]');
      const handle = await row.elementHandle();
      const availableBefore = Number(await row.locator('td').nth(4).textContent());
      await pageSubscribed();
      const { product } = await graphql<{ product: { name: string; price: { amount: number } } }>(graphqlUrl(), '{ product(id: "p-0002") { name price { amount } } }');
      await graphql(graphqlUrl(), 'mutation { adjustStock(productId: "p-0002", warehouseId: "wh-2", delta: 4, reason: "dashboard-restock") { stock { available } } }');

      const item = feedItem(page, 'dashboard-restock');
      await item.waitFor();
      expect(await item.getAttribute('data-kind')).toBe('stock');
      const text = (await item.textContent())!;
      expect(text).toContain(product.name);
      expect(text).toContain((product.price.amount / 100).toFixed(2));
      expect(text).toMatch(/available \d+/);

      // The same row element, now showing the new level: updated in place, not appended.
      await page.locator('tr[data-product="p-0002"][data-warehouse="wh-2"] td:nth-child(5)', { hasText: String(availableBefore + 4) }).waitFor();
      expect(await handle!.evaluate((element) => element.isConnected && element.querySelectorAll('td')[4].textContent)).toBe(String(availableBefore + 4));
      expect(await row.count()).toBe(1);
    });

    it('charts the gateway’s own metrics: requests, latency per operation, breakers, budgets, and the entity cache’s hit rate', async () => {
      await page.locator('#metrics-status[data-state="ok"]').waitFor();
      await page.locator('#breakers li[data-subgraph="inventory"][data-state="closed"]').waitFor();
      await page.locator('#budgets [data-client="sub:operator"]').waitFor();
      await page.locator('#chart-requests canvas').first().waitFor();
      await page.locator('#chart-latency canvas').first().waitFor();
      await page.locator('#chart-events canvas').first().waitFor();
      // The entity cache's hit rate once it has answered lookups ("n/a" while there were none, or no entity cache).
      const snapshot = (await (await fetch(`${base}/dashboard/metrics.json`, { headers: await devAuthorization({ sub: 'ops', scope: 'gateway:dashboard' }) })).json()) as { cache: { hits: number; misses: number } | null };
      const lookups = snapshot.cache ? snapshot.cache.hits + snapshot.cache.misses : 0;
      await page.locator('#cache-hit-rate', { hasText: lookups > 0 ? /^\d+\.\d %$/ : /^n\/a$/ }).waitFor();
      // Price events too, enriched with the stock still available.
      await graphql(graphqlUrl(), 'mutation { updateProductPrice(id: "p-0003", price: { amount: 4242, currency: "USD" }) { id } }');
      await feedItem(page, 'USD 42.42').waitFor();
      await screenshot(page, folder, 'operator');
      expect(blocked).toEqual([]);
    });
  });

  it('shows a customer only their own payments', async () => {
    const { page: customer } = await openDashboard();
    await customer.locator('#dev-customer').fill('c-001');
    await customer.locator('#dev-customer-token').click();
    await customer.locator('#connection[data-connection="live"]').waitFor();
    await pageSubscribed();
    const authorize = (customerId: string, key: string) =>
      graphql<{ authorizePayment: { id: string } }>(
        graphqlUrl(),
        `mutation { authorizePayment(idempotencyKey: "${key}", input: { orderId: "o-${key}", customerId: "${customerId}", amount: { amount: 1999, currency: "USD" }, items: [{ productId: "p-0001", quantity: 1 }] }) { id } }`,
      );
    // Someone else's payment first, then the customer's own: events arrive in order, so once the own one shows, the other would have.
    const other = await authorize('c-002', `dash-other-${Date.now()}`);
    const own = await authorize('c-001', `dash-own-${Date.now()}`);
    await feedItem(customer, own.authorizePayment.id).waitFor();
    expect(await customer.locator('#event-feed li[data-kind="payment"]').evaluateAll((items) => items.map((item) => item.getAttribute('data-customer')))).toEqual(['c-001']);
    expect(await feedItem(customer, other.authorizePayment.id).count()).toBe(0);
    // Its metrics panel says what it needs instead of showing the gateway's numbers.
    await customer.locator('#metrics-status[data-state="forbidden"]', { hasText: 'gateway:dashboard' }).waitFor();
    await screenshot(customer, folder, 'customer');
    await customer.context().close();
  });

  it('reconnects by itself when the gateway is killed and started again, says so, and shows new events', async () => {
    const { page } = await openDashboard();
    await page.locator('#dev-operator').click();
    await page.locator('#connection[data-connection="live"]').waitFor();
    await pageSubscribed();
    await graphql(graphqlUrl(), 'mutation { adjustStock(productId: "p-0001", warehouseId: "wh-1", delta: 1, reason: "before-restart") { stock { available } } }');
    await feedItem(page, 'before-restart').waitFor();

    gateway.child.kill('SIGKILL');
    await gateway.exited;
    await page.locator('#connection[data-connection="reconnecting"]').waitFor();
    await screenshot(page, folder, 'reconnecting');

    await startGatewayProcess();
    const status = page.locator('#connection[data-connection="live"]', { hasText: 'Reconnected' });
    await status.waitFor();
    // Events carry ids here, so the page resumes from the last one it saw.
    expect(await status.textContent()).toMatch(/resumed from event|no event ids/);
    await pageSubscribed();
    await graphql(graphqlUrl(), 'mutation { adjustStock(productId: "p-0001", warehouseId: "wh-1", delta: 1, reason: "after-restart") { stock { available } } }');
    await feedItem(page, 'after-restart').waitFor();
    expect(await feedItem(page, 'before-restart').count()).toBe(1);
    // The metrics panel is back on the new process too.
    await page.locator('#metrics-status[data-state="ok"]', { hasText: `process ${gateway.child.pid},` }).waitFor();
    await screenshot(page, folder, 'reconnected');
    await page.context().close();
  }, 60_000);
});
