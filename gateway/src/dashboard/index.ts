/**
 * The operations dashboard at /dashboard (`dashboard.enabled`; on by default
 * only in development and test). A bundled web app (web/dashboard) that
 * follows the domain events through the public API over graphql-ws, with
 * the caller's own token, so it shows what the API lets that caller see, and
 * charts the gateway's own metrics read from `/dashboard/metrics.json`, which
 * needs the `dashboard.scope` scope (`gateway:dashboard`).
 */
import type { IncomingMessage } from 'node:http';
import { parseJsonBody, readBody } from '../../../lib/http/body';
import { HttpError, TransportErrorCode, sendJson } from '../../../lib/http/errors';
import type { RouteHandler } from '../../../lib/http/routes';
import type { Authenticator } from '../auth/authenticate';
import { bundlePage, sendHtml, staticAssetRoutes, webBundlesDir } from '../transport/http/static-assets';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { readSnapshot, type SnapshotSources } from './snapshot';
import { mintDevToken, type DevTokenOptions } from './dev-token';

export { BudgetBook, type ClientBudget } from './budgets';
export { readSnapshot, type DashboardSnapshot } from './snapshot';

export const DASHBOARD_PATH = '/dashboard';

export interface DashboardOptions {
  /** The GraphQL endpoint's path the page subscribes on (`/graphql`). */
  graphqlPath: string;
  /** The scope `/dashboard/metrics.json` requires. */
  scope: string;
  authenticator: Authenticator;
  metrics: SnapshotSources;
  /** Only in development and test: a POST endpoint that mints a token (the page's development-token buttons). */
  devTokens?: DevTokenOptions;
  /** Where the bundles are (default: dist/web). */
  bundles?: string;
}

/** Scopes of the development "operator" token: everything the schemas know, and the dashboard's metrics. */
const OPERATOR_SCOPES = ['payments:read:all', 'payments:write', 'inventory:write', 'products:write'];

/** The dashboard's routes, to be added to the gateway's port. */
export function dashboardRoutes(options: DashboardOptions): Record<string, RouteHandler> {
  const dir = join(options.bundles ?? webBundlesDir(), 'dashboard');
  const built = existsSync(join(dir, 'dashboard.js'));
  const html = bundlePage({
    title: 'Operations dashboard',
    built,
    assetsPath: DASHBOARD_PATH,
    stylesheet: 'dashboard.css',
    script: 'dashboard.js',
    data: { endpoint: options.graphqlPath, metrics: `${DASHBOARD_PATH}/metrics.json`, scope: options.scope, 'dev-token': options.devTokens ? `${DASHBOARD_PATH}/dev-token` : undefined },
    body: '<noscript>The dashboard needs JavaScript.</noscript>',
  });
  const servePage: RouteHandler = (_req, res) => sendHtml(res, html, CONTENT_SECURITY_POLICY);
  const routes: Record<string, RouteHandler> = {
    [DASHBOARD_PATH]: servePage,
    [`${DASHBOARD_PATH}/`]: servePage,
    ...staticAssetRoutes(dir, DASHBOARD_PATH),
    [`${DASHBOARD_PATH}/metrics.json`]: async (req, res) => {
      const caller = await options.authenticator.fromRequest(req);
      if (!caller.authenticated) {
        throw new HttpError(401, TransportErrorCode.Unauthenticated, `The dashboard's metrics need a token with scope ${options.scope}`, { 'www-authenticate': 'Bearer' });
      }
      if (!caller.scopes.has(options.scope)) throw new HttpError(403, TransportErrorCode.Forbidden, `The dashboard's metrics need scope ${options.scope}`);
      sendJson(res, 200, await readSnapshot(options.metrics));
    },
  };
  const { devTokens } = options;
  if (devTokens) {
    routes[`${DASHBOARD_PATH}/dev-token`] = async (req, res) => {
      if (req.method !== 'POST') throw new HttpError(405, TransportErrorCode.MethodNotAllowed, 'POST { "role": "operator" } or { "role": "customer", "subject": "c-001" }', { allow: 'POST' });
      const { subject, scope } = await devTokenRequest(req, options.scope);
      sendJson(res, 200, { token: await mintDevToken(devTokens, subject, scope), subject, scope });
    };
  }
  return routes;
}

/** `{ role: "operator" }`: every scope and the dashboard's; `{ role: "customer", subject }`: a customer's token, no scopes. */
async function devTokenRequest(req: IncomingMessage, dashboardScope: string): Promise<{ subject: string; scope: string }> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, TransportErrorCode.UnsupportedMediaType, 'Send Content-Type: application/json');
  const body = parseJsonBody(await readBody(req, 1_024)) as { role?: unknown; subject?: unknown };
  if (body?.role === 'operator') return { subject: 'operator', scope: [...OPERATOR_SCOPES, dashboardScope].join(' ') };
  if (body?.role === 'customer' && typeof body.subject === 'string' && /^[\w.-]{1,64}$/.test(body.subject)) return { subject: body.subject, scope: '' };
  throw new HttpError(400, TransportErrorCode.BadRequest, 'Expected { "role": "operator" } or { "role": "customer", "subject": "<id>" }');
}

/** Scripts and styles only from the gateway; connections only to it (HTTP and its WebSocket). */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

