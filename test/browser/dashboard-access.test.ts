import type { RunningGateway } from '../../gateway/src/gateway';
import { startTestGateway, writeSupergraphFile } from '../support/gateway';
import { DEPLOYED_IDENTITY } from '../support/identity-keys';
import { composeLibrarySupergraph, startLibrarySubgraph, type LibrarySubgraph } from '../support/library-subgraph';
import { TEST_JWT_SECRET, hsToken } from '../support/tokens';
import { metricValue } from './gateway-helpers';

const PRODUCTION = { NODE_ENV: 'production', INTERNAL_AUTH_PRIVATE_KEY: DEPLOYED_IDENTITY.privatePem, JWT_SECRET: TEST_JWT_SECRET };

/** Who may open the dashboard and read the gateway's metrics through it, in production and in development. */
describe('the dashboard’s access rules', () => {
  let library: LibrarySubgraph;
  let supergraph: string;
  const gateways: RunningGateway[] = [];
  const start = async (env: Record<string, string>) => {
    const gateway = await startTestGateway(supergraph, env);
    gateways.push(gateway);
    return gateway.url.replace(/\/graphql$/, '');
  };

  beforeAll(async () => {
    library = await startLibrarySubgraph();
    supergraph = writeSupergraphFile(composeLibrarySupergraph(library.url));
  });
  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await library.close();
  });

  it('is off in production unless enabled: no page, no metrics, no token minting', async () => {
    const base = await start(PRODUCTION);
    for (const path of ['/dashboard', '/dashboard/metrics.json', '/dashboard/dashboard.js']) expect((await fetch(`${base}${path}`)).status).toBe(404);
    expect((await fetch(`${base}/dashboard/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"role":"operator"}' })).status).toBe(404);
  });

  describe('enabled in production (dashboard.enabled)', () => {
    let base: string;
    beforeAll(async () => {
      base = await start({ ...PRODUCTION, GATEWAY_DASHBOARD_ENABLED: 'true' });
    });

    it('serves the page and its bundle, with a content security policy that keeps it on the gateway', async () => {
      const page = await fetch(`${base}/dashboard`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await page.text();
      expect(html).toContain('/dashboard/dashboard.js');
      expect(html).not.toContain('data-dev-token');
      const script = await fetch(`${base}/dashboard/dashboard.js`, { headers: { 'accept-encoding': 'gzip' } });
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toContain('text/javascript');
    });

    it('answers the metrics only to a token with scope gateway:dashboard (401 without a token, 403 without the scope)', async () => {
      const metrics = (token?: string) => fetch(`${base}/dashboard/metrics.json`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      const anonymous = await metrics();
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      const customer = await metrics(await hsToken({ sub: 'c-001', scope: 'payments:write' }));
      expect(customer.status).toBe(403);
      expect(((await customer.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe('FORBIDDEN');
      const operator = await metrics(await hsToken({ sub: 'ops', scope: 'gateway:dashboard' }));
      expect(operator.status).toBe(200);
      const snapshot = (await operator.json()) as { subgraphs: Array<{ name: string; state: string }>; cache: unknown; rateLimits: { clients: Array<{ client: string }> } };
      expect(snapshot.subgraphs).toEqual([expect.objectContaining({ state: 'closed' })]);
      // The entity cache's counters when the gateway has an entity cache (its series registered), null otherwise.
      const exposition = await (await fetch(`${base}/metrics`)).text();
      if (exposition.includes('gateway_entity_cache_hits_total')) {
        expect(snapshot.cache).toEqual({ hits: await metricValue(`${base}/metrics`, 'gateway_entity_cache_hits_total'), misses: await metricValue(`${base}/metrics`, 'gateway_entity_cache_misses_total') });
      } else {
        expect(snapshot.cache).toBeNull();
      }
    });

    it('mints no development tokens in production', async () => {
      const res = await fetch(`${base}/dashboard/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"role":"operator"}' });
      expect(res.status).toBe(404);
    });
  });

  it('in development it is on and mints tokens the gateway accepts: an operator’s reads the metrics, a customer’s does not', async () => {
    const base = await start({ NODE_ENV: 'development' });
    const mint = async (body: unknown) => {
      const res = await fetch(`${base}/dashboard/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { token: string }).token;
    };
    const metrics = async (token: string) => (await fetch(`${base}/dashboard/metrics.json`, { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await metrics(await mint({ role: 'operator' }))).toBe(200);
    expect(await metrics(await mint({ role: 'customer', subject: 'c-001' }))).toBe(403);
    expect((await fetch(`${base}/dashboard`)).status).toBe(200);
  });
});
