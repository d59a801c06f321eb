import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with the next request: forward it, hang, or answer with a canned HTTP response. */
export type Fault = 'forward' | 'hang' | { status: number; headers?: Record<string, string>; body?: string };

export interface ReceivedRequest {
  body: string;
  headers: IncomingMessage['headers'];
}

/**
 * A real HTTP server in front of a subgraph that injects faults: requests are
 * forwarded unless a fault is queued (one per request) or set as the default;
 * `stop()` closes the port (connection refused) and `start()` reopens the
 * same port, as a restarted instance would. Every request is recorded.
 */
export class FaultProxy {
  readonly received: ReceivedRequest[] = [];
  /** Requests parked by 'hang', released by `release()` or dropped on stop. */
  private readonly parked: Array<() => void> = [];
  private readonly queue: Fault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];
  private server: Server | undefined;
  private port = 0;
  fallback: Fault = 'forward';

  private constructor(private readonly target: URL) {}

  static async start(targetUrl: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(targetUrl));
    await proxy.start();
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.target.pathname}`;
  }

  /** The next requests meet these faults, in order; then `fallback`. */
  next(...faults: Fault[]): void {
    this.queue.push(...faults);
  }

  /** Resolves once `count` requests in all have arrived. */
  receivedAtLeast(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Lets every hanging request through to the subgraph. */
  release(): void {
    for (const forward of this.parked.splice(0)) forward();
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the port and every open connection: the instance is gone. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.parked.splice(0);
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.received.push({ body, headers: req.headers });
    for (const waiter of this.waiters.filter((w) => this.received.length >= w.count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const fault = this.queue.shift() ?? this.fallback;
    if (fault === 'forward') return this.forward(req, body, res);
    if (fault === 'hang') {
      this.parked.push(() => this.forward(req, body, res));
      return;
    }
    res.writeHead(fault.status, { 'content-type': 'text/plain', ...fault.headers });
    res.end(fault.body ?? '');
  }

  private forward(req: IncomingMessage, body: string, res: ServerResponse): void {
    const upstream = httpRequest(
      { host: this.target.hostname, port: this.target.port, path: req.url, method: req.method, headers: { ...req.headers, host: this.target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    upstream.end(body);
  }
}
