import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningHttpServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes what is left. */
  close(graceMs?: number): Promise<void>;
}

/** Starts an HTTP server on `host:port` (port 0 picks a free port). */
export async function startHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  { port, host = '0.0.0.0', keepAliveTimeoutMs = 65_000 }: { port: number; host?: string; keepAliveTimeoutMs?: number },
): Promise<RunningHttpServer> {
  const server = createServer(handler);
  // Longer than typical load-balancer idle timeouts, so the balancer closes first.
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.headersTimeout = keepAliveTimeoutMs + 1_000;
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
