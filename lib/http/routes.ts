import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './errors';

/** A handler for one path on a service's port (`/health`, `/ready`, `/metrics`, `/events`). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** `/health`: the process is alive and serving. */
export const healthRoute: RouteHandler = (_req, res) => sendJson(res, 200, { status: 'ok' });

/** `/ready`: 200 once `isReady()` holds, 503 before (load balancers keep traffic away until then). */
export function readinessRoute(isReady: () => boolean): RouteHandler {
  return (_req, res) => (isReady() ? sendJson(res, 200, { status: 'ready' }) : sendJson(res, 503, { status: 'starting' }));
}
