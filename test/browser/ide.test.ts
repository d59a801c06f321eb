import type { Browser, BrowserContext, Page } from 'playwright-core';
import { devAuthorization } from '../support/tokens';
import { eventually, graphql, metricValue } from './gateway-helpers';
import { startStack, type Stack } from '../support/stack';
import { launchChromium, loopbackOnly, screenshot, screenshotFolder } from './browser';

/**
 * The GraphQL IDE a browser gets on GET /graphql, driven in Debian's headless
 * chromium against the real stack (three subgraphs and the gateway on
 * loopback), with every request to anywhere but loopback blocked and recorded.
 */
describe('the GraphQL IDE on /graphql (GraphiQL, bundled, offline)', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let network: { blocked: string[]; seen: string[] };
  const folder = screenshotFolder('ide');

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ store: 'memory' }), launchChromium()]);
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    network = await loopbackOnly(context);
    page = await context.newPage();
    page.on('pageerror', (error) => console.log(`the IDE page threw: ${error.message}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Replaces the text of the Monaco editor under `selector` (query, variables or headers). */
  async function typeInto(selector: string, text: string): Promise<void> {
    await page.locator(`${selector} .monaco-editor`).first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
  }

  /** Puts an operation in the query editor and waits until GraphiQL has parsed it (its tab takes the operation's name), so Run sends it. */
  async function setOperation(name: string, document: string): Promise<void> {
    await typeInto('.graphiql-query-editor', document);
    await page.locator('.graphiql-tab', { hasText: name }).first().waitFor();
  }

  const response = () => page.locator('.graphiql-response');

  async function run(): Promise<void> {
    await page.locator('.graphiql-execute-button').click();
  }

  it('loads GraphiQL and its schema from the gateway alone', async () => {
    const answer = await page.goto(stack.url);
    expect(answer?.status()).toBe(200);
    expect(answer?.headers()['content-type']).toContain('text/html');
    await page.locator('.graphiql-container').waitFor();
    await page.locator('.graphiql-query-editor .monaco-editor').waitFor();
    // Schema docs: the documentation explorer lists the root types once introspection answered.
    await page.getByRole('button', { name: /documentation explorer/i }).click();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor();
    await screenshot(page, folder, '1-loaded');
  });

  it('runs a query with a token from the headers editor and shows the result', async () => {
    const headers = await devAuthorization({ sub: 'c-001' });
    await page.getByRole('button', { name: 'Headers', exact: true }).click();
    await typeInto('.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify(headers));
    await setOperation('Mine', 'query Mine { payments(first: 3) { nodes { id customerId } } product(id: "p-0001") { name } }');
    await run();
    await response().getByText('"customerId": "c-001"').first().waitFor();
    await response().getByText('"name"').first().waitFor();
    await screenshot(page, folder, '2-query');
  });

  it('streams @defer parts over multipart/mixed', async () => {
    await setOperation('Deferred', 'query Deferred { product(id: "p-0002") { name ... @defer { stock { available } } } }');
    await run();
    await response().getByText('"available"').first().waitFor();
    await screenshot(page, folder, '3-defer');
  });

  it('runs a subscription over graphql-ws and shows the event a mutation causes', async () => {
    await setOperation('Stock', 'subscription Stock { stockChanged(productId: "p-0002") { productId delta reason product { name } } }');
    const socket = page.waitForEvent('websocket');
    await run();
    expect((await socket).url()).toBe(stack.url.replace('http:', 'ws:'));
    // Its group exists once the gateway has started the subscription; then the mutation's event reaches it.
    await eventually(async () => expect(await metricValue(stack.gateway.metricsUrl, 'gateway_subscriptions_groups')).toBeGreaterThan(0));
    await graphql(stack.url, 'mutation { adjustStock(productId: "p-0002", warehouseId: "wh-2", delta: 1, reason: "ide-restock") { stock { available } } }');
    await response().getByText('"reason": "ide-restock"').first().waitFor();
    await screenshot(page, folder, '4-subscription');
  });

  it('attempted no request beyond loopback', () => {
    expect(network.seen.length).toBeGreaterThan(0);
    expect(network.blocked).toEqual([]);
  });
});
