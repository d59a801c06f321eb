import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningHttpServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes what is left. */
  close(graceMs?: number): Promise<void>;
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  /** Idle keep-alive connections close after this; longer than typical load-balancer idle timeouts, so the balancer closes first. Default 65 000. */
  keepAliveTimeoutMs?: number;
  /** Time a client has to send a request's headers (Node answers 408 and closes). Default 10 000. */
  headersTimeoutMs?: number;
  /** Time a client has to send a whole request, body included (408). Default 30 000. */
  requestTimeoutMs?: number;
}

/**
 * Starts an HTTP server on `host:port` (port 0 picks a free port). Slow
 * clients are bounded: a connection that drips its headers or body is closed
 * with 408 once the headers or request timeout passes (Node checks them every
 * second here instead of its default 30 s).
 */
export async function startHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  { port, host = '0.0.0.0', keepAliveTimeoutMs = 65_000, headersTimeoutMs = 10_000, requestTimeoutMs = 30_000 }: HttpServerOptions,
): Promise<RunningHttpServer> {
  const server = createServer(
    { headersTimeout: headersTimeoutMs, requestTimeout: Math.max(requestTimeoutMs, headersTimeoutMs), connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs) },
    handler,
  );
  server.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    server,
    port: actualPort,
    url: `http://${shownHost}:${actualPort}`,
    close: (graceMs = 10_000) => closeGracefully(server, graceMs),
  };
}

function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    // A keep-alive socket turns idle when its in-flight response ends; close
    // those as they appear instead of waiting for their idle timeout.
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    force.unref();
    sweep.unref();
    server.close(() => {
      clearTimeout(force);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
