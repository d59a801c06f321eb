import { request } from 'node:http';
import { availableParallelism } from 'node:os';
import { loadConfig } from '../../gateway/src/config/load';
import { DEPLOYED_IDENTITY } from '../support/identity-keys';
import { composeLibrarySupergraph, startLibrarySubgraph, type LibrarySubgraph } from '../support/library-subgraph';
import { writeSupergraphFile } from '../support/gateway';
import { freePort } from '../support/ports';
import { runCompiled, type RunningProcess } from '../support/process';
import { startRedis, type RedisServer } from '../support/redis';

const GATEWAY = 'gateway/src/main.js';
const BOOKS = { books: [{ title: 'Dune' }, { title: 'Neuromancer' }] };

type LogLine = { msg: string; pid?: number; [field: string]: unknown };

/** The JSON log lines a process prints (stdout and stderr), and a way to wait for one. */
function logsOf(proc: RunningProcess) {
  const waiters = new Set<{ matches: (line: LogLine) => boolean; resolve: (line: LogLine) => void; reject: (error: Error) => void }>();
  const seen: LogLine[] = [];
  for (const stream of [proc.child.stdout!, proc.child.stderr!]) {
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        let line: LogLine;
        try {
          line = JSON.parse(text);
        } catch {
          continue;
        }
        seen.push(line);
        for (const waiter of waiters) {
          if (!waiter.matches(line)) continue;
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    });
  }
  void proc.exited.then((code) => {
    for (const waiter of waiters) waiter.reject(new Error(`the gateway exited (${code}) first:\n${proc.output()}`));
  });
  return {
    /** The first line, already printed or still to come, that matches. */
    next(matches: (line: LogLine) => boolean): Promise<LogLine> {
      const line = seen.find(matches);
      if (line) return Promise.resolve(line);
      if (proc.child.exitCode !== null) return Promise.reject(new Error(`the gateway has exited:\n${proc.output()}`));
      return new Promise((resolve, reject) => waiters.add({ matches, resolve, reject }));
    },
  };
}

/** One HTTP request on a connection of its own: the cluster hands out connections, not requests. */
function send(port: number, path: string, body?: string): Promise<{ status: number; workerPid: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        agent: false,
        headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          // Every worker's /health says which process answered.
          const pid = path === '/health' ? (JSON.parse(text) as { pid?: number }).pid : undefined;
          resolve({ status: res.statusCode!, workerPid: pid, body: text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function workerPidOfHealth(port: number): Promise<number> {
  const answer = await send(port, '/health');
  expect(answer.status).toBe(200);
  expect(answer.workerPid).toEqual(expect.any(Number));
  return answer.workerPid!;
}

async function expectBooks(port: number): Promise<void> {
  const answer = await send(port, '/graphql', JSON.stringify({ query: '{ books { title } }' }));
  const { data, errors } = JSON.parse(answer.body);
  expect({ status: answer.status, data, errors }).toEqual({ status: 200, data: BOOKS, errors: undefined });
}

/** Asks /health on fresh connections until `wanted` has answered; the cluster's round robin gets there in a few. */
async function healthUntilAnsweredBy(port: number, wanted: (pids: Set<number>) => boolean, attempts = 50): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < attempts && !wanted(pids); i++) pids.add(await workerPidOfHealth(port));
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('workers (node:cluster): GATEWAY_WORKERS', () => {
  let redis: RedisServer;
  let library: LibrarySubgraph;
  let supergraph: string;
  beforeAll(async () => {
    [redis, library] = await Promise.all([startRedis(), startLibrarySubgraph()]);
    supergraph = writeSupergraphFile(composeLibrarySupergraph(library.url));
  });
  afterAll(async () => {
    await library?.close();
    await redis?.destroy();
  });

  it('serves from two workers on one port, replaces a killed worker while requests keep succeeding, and exits 0 on SIGTERM once they drained', async () => {
    const port = await freePort();
    const gateway = runCompiled(GATEWAY, ['--supergraph', supergraph, '--port', String(port), '--host', '127.0.0.1'], {
      GATEWAY_WORKERS: '2',
      REDIS_URL: redis.url,
      LOG_LEVEL: 'info',
    });
    const logs = logsOf(gateway);
    try {
      await logs.next((line) => line.msg === 'every worker is ready');

      const first = await healthUntilAnsweredBy(port, (pids) => pids.size === 2);
      expect(first.size).toBe(2);
      await expectBooks(port);

      const [victim, survivor] = [...first];
      process.kill(victim, 'SIGKILL');
      const exit = await logs.next((line) => line.msg === 'worker exited unexpectedly; restarting it' && line.pid === victim);
      expect(exit).toMatchObject({ signal: 'SIGKILL', restartInMs: expect.any(Number) });

      // While the replacement starts, the survivor answers every request.
      let replaced = false;
      const replacement = logs.next((line) => line.msg === 'worker ready' && !first.has(line.pid!)).then((line) => {
        replaced = true;
        return line.pid!;
      });
      let answeredMeanwhile = 0;
      do {
        await expectBooks(port);
        answeredMeanwhile++;
      } while (!replaced);
      expect(answeredMeanwhile).toBeGreaterThan(0);
      const newPid = await replacement;
      expect(isAlive(victim)).toBe(false);

      const after = await healthUntilAnsweredBy(port, (pids) => pids.has(newPid) && pids.has(survivor));
      expect([...after].sort()).toEqual([newPid, survivor].sort());
      await expectBooks(port);

      expect(await gateway.stop()).toBe(0);
      await logs.next((line) => line.msg === 'every worker has exited');
      expect([newPid, survivor].filter(isAlive)).toEqual([]);
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
    }
  }, 90_000);

  it('warns outside production when workers share no Redis, and still serves', async () => {
    const port = await freePort();
    const gateway = runCompiled(GATEWAY, ['--supergraph', supergraph, '--port', String(port), '--host', '127.0.0.1'], { GATEWAY_WORKERS: '2', LOG_LEVEL: 'info' });
    const logs = logsOf(gateway);
    try {
      const warning = await logs.next((line) => line.level === 'warn' && line.msg.startsWith('workers:'));
      expect(warning.msg).toMatch(/workers: 2 workers without redisUrl \(REDIS_URL\)/);
      await logs.next((line) => line.msg === 'every worker is ready');
      await expectBooks(port);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  }, 60_000);

  it('stops with exit code 1 when the workers cannot start, instead of restarting them forever', async () => {
    const gateway = runCompiled(GATEWAY, ['--supergraph', '/nonexistent/supergraph.graphql', '--port', String(await freePort())], { GATEWAY_WORKERS: '2', LOG_LEVEL: 'info' });
    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toMatch(/Cannot read supergraph file \/nonexistent/);
    expect(gateway.output()).toMatch(/a worker failed to start; stopping the gateway/);
  }, 60_000);

  it('refuses to start in production with several workers and no Redis, naming workers and redisUrl', async () => {
    const gateway = runCompiled(GATEWAY, ['--supergraph', supergraph, '--port', String(await freePort())], {
      GATEWAY_WORKERS: '2',
      NODE_ENV: 'production',
      INTERNAL_AUTH_PRIVATE_KEY: DEPLOYED_IDENTITY.privatePem,
    });
    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toMatch(/gateway: Invalid configuration: workers \(from environment variable GATEWAY_WORKERS\): 2 workers need redisUrl \(REDIS_URL\)/);
    expect(gateway.output()).not.toMatch(/\n\s+at /);
  });

  describe('configuration', () => {
    const load = (env: Record<string, string>) => loadConfig({ argv: ['--supergraph', 'x.graphql'], env: { NODE_ENV: 'test', ...env } });

    it('runs one worker (no cluster) by default', () => {
      expect(load({}).workers).toBe(1);
    });

    it('reads GATEWAY_WORKERS as a count, or auto as the available parallelism', () => {
      expect(load({ GATEWAY_WORKERS: '3' }).workers).toBe(3);
      expect(load({ GATEWAY_WORKERS: 'auto' }).workers).toBe(availableParallelism());
    });

    it.each([
      ['0', /workers \(from environment variable GATEWAY_WORKERS\): Too small/],
      ['many', /workers \(from environment variable GATEWAY_WORKERS\): expected a positive integer or "auto"/],
    ])('refuses GATEWAY_WORKERS=%s', (value, message) => {
      expect(() => load({ GATEWAY_WORKERS: value })).toThrow(message);
    });

    it('accepts several workers in production once Redis is configured', () => {
      const config = load({ GATEWAY_WORKERS: '2', NODE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:6379', INTERNAL_AUTH_PRIVATE_KEY: DEPLOYED_IDENTITY.privatePem });
      expect(config.workers).toBe(2);
    });
  });
});
