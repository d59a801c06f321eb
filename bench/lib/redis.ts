/**
 * The benchmark's own `redis-server` (Debian's package), for targets that keep
 * their rate-limit buckets in Redis, and for `bench:subscriptions` (events,
 * the subgraphs' stores). Nothing is persisted (`--save '' --appendonly no`):
 * the data is throw-away, and disk writes would only add noise to the numbers.
 */
import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { freePort } from './stack';

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface BenchRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  /** redis-server's process id (to report which CPUs it may run on). */
  pid: number;
  /** Lua script calls served so far (EVALSHA and EVAL): the limiter makes one per debit and one per refund. */
  scriptCalls(): Promise<number>;
  /** Resolves when redis-server has exited, however it ended (a crash mid-run included). */
  exited: Promise<string>;
  /** SIGTERM, then SIGKILL after a few seconds; resolves once it is gone. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts redis-server on a free port of 127.0.0.1 and resolves once it
 * answers PING. Like the ServiceGroup's children it gets its own process
 * group (a terminal's Ctrl-C reaches only the benchmark, which stops it after
 * the gateways using it), and it is killed should the benchmark exit without
 * stopping it.
 */
export async function startRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`cannot start redis-server: ${error.message} (Debian: apt-get install redis-server)`));
    child.once('close', (code, signal) => resolve(`redis-server exited (${signal ? `signal ${signal}` : `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`));
  }).finally(() => process.removeListener('exit', killOnExit));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited.finally(() => clearTimeout(kill));
    }
  };

  const url = `redis://127.0.0.1:${port}`;
  // One connection for the benchmark's own questions (INFO); it never retries, so it never outlives stop().
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => {}); // failures surface as rejected commands
  try {
    await Promise.race([waitForPing(client), exited.then((why) => Promise.reject(new Error(why)))]);
  } catch (error) {
    client.disconnect();
    await stop();
    throw error;
  }

  return {
    url,
    pid: child.pid!,
    exited,
    async scriptCalls() {
      const info = await client.info('commandstats');
      let calls = 0;
      for (const match of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(match[1]);
      return calls;
    },
    async stop() {
      client.disconnect();
      await stop();
    },
  };
}

async function waitForPing(client: Redis): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      if (client.status !== 'ready') await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING within ${READY_TIMEOUT_MS / 1000} s: ${(error as Error).message}`);
      client.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
