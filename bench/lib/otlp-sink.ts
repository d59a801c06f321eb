import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in for an OpenTelemetry collector: accepts OTLP/HTTP exports and throws them away, counting them. */
export interface OtlpSink {
  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** Export requests received so far (each a batch of spans). */
  exports(): number;
  stop(): Promise<void>;
}

/**
 * Starts the sink on a free loopback port. It answers every request 200 with
 * an empty JSON object (a full success in OTLP/HTTP) once the body is read,
 * so an exporter never retries or backs off: the bench measures the cost of
 * producing and sending spans, not of a collector.
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      received++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports: () => received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
