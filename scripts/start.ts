/**
 * `npm start`: runs the three subgraphs and the gateway as child processes of
 * this one, with their output prefixed by their names, and stops them all on
 * Ctrl-C. Ports come from GATEWAY_PORT, PRODUCTS_PORT, INVENTORY_PORT and
 * PAYMENTS_PORT (defaults 4000, 4001, 4002, 4003); REDIS_URL, LOG_LEVEL and
 * NODE_ENV (default development) pass through to every process.
 * INTERNAL_AUTH_PRIVATE_KEY (the Ed25519 key the gateway signs caller
 * identities with) goes to the gateway and its public half to the subgraphs;
 * unset, a fresh key pair is made for this run.
 *
 * In development (the default here) it also watches `schemas/` and, when a
 * subgraph's SDL changes, recomposes ./supergraph.graphql (schema-watcher.ts),
 * which the gateway hot-reloads; a change that does not compose is printed
 * and the last good supergraph stays.
 *
 * `ServiceGroup` (spawn a compiled entry point, wait for its health URL, stop
 * it) is also what `npm run bench` starts its processes with.
 */
import { spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { isDevelopmentEnv } from '../lib/env';
import { DEFAULT_SUBGRAPH_PORTS, SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/shared/ports';
import { watchSchemas, type SchemaWatcher } from './schema-watcher';

/** The repository root (this file runs from dist/scripts/). */
export const ROOT = resolve(__dirname, '..', '..');

const DEFAULT_GATEWAY_PORT = 4000;
/** Longer than the gateway's default shutdownGraceMs (10 s), so a clean drain is never cut short. */
const STOP_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 100;

export interface ServiceSpec {
  /** Shown before each line of its output, and in messages. */
  name: string;
  /** Compiled entry point relative to the repository root, e.g. `dist/subgraphs/products/main.js`. */
  entry: string;
  args?: string[];
  /** The child's whole environment (pass `{ ...process.env, ... }` to inherit). */
  env: NodeJS.ProcessEnv;
  /** Polled with GET until it answers 200. */
  readyUrl: string;
  readyHeaders?: Record<string, string>;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningService {
  name: string;
  spec: ServiceSpec;
  /** Resolves once the readiness URL answered 200; rejects if the process exits first or never gets there. */
  ready: Promise<void>;
  /** Resolves when the process has exited, however it ended. */
  exited: Promise<ExitStatus>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves when the process is gone. */
  stop(timeoutMs?: number): Promise<ExitStatus>;
}

export function describeExit({ code, signal }: ExitStatus): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

/**
 * The processes of one run. Children get their own process group, so a
 * terminal's Ctrl-C reaches only us and each child sees exactly one SIGTERM
 * (a second signal means "exit now" to our services). Should this process
 * exit without stopping them, they are killed on the way out.
 */
export class ServiceGroup {
  private readonly services: RunningService[] = [];
  private readonly livePids = new Set<number>();
  private readonly nameWidth: number;

  constructor({ nameWidth = 10 }: { nameWidth?: number } = {}) {
    this.nameWidth = nameWidth;
    process.once('exit', () => {
      for (const pid of this.livePids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }

  /** Spawns `spec.entry` with this Node binary and starts polling its readiness URL. */
  spawn(spec: ServiceSpec): RunningService {
    const child = spawn(process.execPath, [join(ROOT, spec.entry), ...(spec.args ?? [])], {
      cwd: ROOT,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const prefix = `${spec.name.padEnd(this.nameWidth)} | `;
    for (const [stream, out] of [
      [child.stdout!, process.stdout],
      [child.stderr!, process.stderr],
    ] as const) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(prefix + line + '\n'));
    }

    let status: ExitStatus | undefined;
    const exited = new Promise<ExitStatus>((done) => {
      child.once('error', (error) => {
        process.stderr.write(`${prefix}cannot start: ${error.message}\n`);
      });
      child.once('close', (code, signal) => {
        status = { code, signal };
        if (child.pid !== undefined) this.livePids.delete(child.pid);
        done(status);
      });
    });
    if (child.pid !== undefined) this.livePids.add(child.pid);

    const ready = waitUntilReady(spec, () => status);
    ready.catch(() => {}); // the caller decides whether to await it; never an unhandled rejection

    const service: RunningService = {
      name: spec.name,
      spec,
      ready,
      exited,
      stop: (timeoutMs = STOP_TIMEOUT_MS) => {
        if (status) return Promise.resolve(status);
        child.kill('SIGTERM');
        const kill = setTimeout(() => {
          process.stderr.write(`${prefix}did not exit within ${timeoutMs} ms of SIGTERM; sending SIGKILL\n`);
          child.kill('SIGKILL');
        }, timeoutMs);
        return exited.finally(() => clearTimeout(kill));
      },
    };
    this.services.push(service);
    return service;
  }

  /** Spawns and waits until ready. */
  async start(spec: ServiceSpec): Promise<RunningService> {
    const service = this.spawn(spec);
    await service.ready;
    return service;
  }

  /** The first service of the group to exit, with how it ended. */
  firstExit(): Promise<{ service: RunningService; status: ExitStatus }> {
    return Promise.race(this.services.map((service) => service.exited.then((status) => ({ service, status }))));
  }

  /**
   * Stops every service, the last started first (the gateway drains its
   * in-flight requests while the subgraphs still answer them): SIGTERM, then
   * SIGKILL after the timeout.
   */
  async stopAll(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    for (const service of [...this.services].reverse()) await service.stop(timeoutMs);
  }
}

async function waitUntilReady(spec: ServiceSpec, exitStatus: () => ExitStatus | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const status = exitStatus();
    if (status) throw new Error(`${spec.name} exited (${describeExit(status)}) before ${spec.readyUrl} answered; see its output above`);
    try {
      const res = await fetch(spec.readyUrl, { headers: spec.readyHeaders, signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${spec.name}: ${spec.readyUrl} did not answer 200 within ${READY_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}

/**
 * The identity keys of this run: the environment's private key (subgraphs get
 * its public half), or a fresh Ed25519 pair, so subgraphs and gateway always
 * agree without anyone making keys for a local stack.
 */
export function identityKeysFor(env: NodeJS.ProcessEnv): { privateKey: string; publicKey: string; generated: boolean } {
  const configured = env.INTERNAL_AUTH_PRIVATE_KEY;
  if (configured !== undefined && configured !== '') {
    const publicKey = createPublicKey(configured.replace(/\\n/g, '\n')).export({ type: 'spki', format: 'pem' }).toString();
    return { privateKey: configured, publicKey, generated: false };
  }
  const pair = generateKeyPairSync('ed25519');
  return {
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    generated: true,
  };
}

/** The port in `env[name]`, or `fallback`; anything else than 1..65535 stops start-up with the variable's name. */
function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new Error(`${name} must be a port number between 1 and 65535 (got "${value}")`);
  return port;
}

/** A Redis URL safe to print: the password is masked. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

async function main(): Promise<void> {
  const identityKeys = identityKeysFor(process.env);
  // `npm start` is the local stack: development unless told otherwise (an unset NODE_ENV elsewhere is production).
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV || 'development',
    INTERNAL_AUTH_PUBLIC_KEY: identityKeys.publicKey,
  };
  // The private key goes to the gateway only: a subgraph can verify identities, never mint them.
  delete env.INTERNAL_AUTH_PRIVATE_KEY;
  let gatewayPort: number;
  const subgraphPorts = {} as Record<SubgraphName, number>;
  try {
    gatewayPort = portFromEnv(env, 'GATEWAY_PORT', DEFAULT_GATEWAY_PORT);
    for (const name of SUBGRAPH_NAMES) subgraphPorts[name] = portFromEnv(env, `${name.toUpperCase()}_PORT`, DEFAULT_SUBGRAPH_PORTS[name]);
    const all = [gatewayPort, ...Object.values(subgraphPorts)];
    if (new Set(all).size !== all.length) throw new Error(`every service needs its own port (got ${all.join(', ')})`);
  } catch (error) {
    console.error(`start: ${(error as Error).message}`);
    process.exit(1);
  }

  const group = new ServiceGroup();
  const supergraphPath = join(ROOT, 'supergraph.graphql');
  let schemaWatcher: SchemaWatcher | undefined;
  let stopping = false;
  const stop = async (exitCode: number) => {
    stopping = true;
    schemaWatcher?.close();
    await group.stopAll();
    process.exit(exitCode);
  };

  // The first signal starts the shutdown. One Ctrl-C can reach us more than once (from the terminal and
  // from a wrapper forwarding it), so only a repeat after a moment means "now" and kills what is left.
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) {
      firstSignalAt = Date.now();
      console.log(`\nstart: ${signal} received, stopping every service...`);
      void stop(0);
    } else if (Date.now() - firstSignalAt > 1_000) {
      console.log(`start: ${signal} again, killing what is left`);
      process.exit(1); // the group's exit hook sends SIGKILL
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  const subgraphUrl = (name: SubgraphName) => `http://localhost:${subgraphPorts[name]}/graphql`;
  // The supergraph routes to the default ports; tell the gateway about the ones that moved.
  const gatewayEnv: NodeJS.ProcessEnv = { ...env, INTERNAL_AUTH_PRIVATE_KEY: identityKeys.privateKey };
  for (const name of SUBGRAPH_NAMES) {
    if (subgraphPorts[name] !== DEFAULT_SUBGRAPH_PORTS[name]) gatewayEnv[`SUBGRAPH_${name.toUpperCase()}_URL`] = subgraphUrl(name);
  }

  try {
    const subgraphs = SUBGRAPH_NAMES.map((name) =>
      group.spawn({
        name,
        entry: `dist/subgraphs/${name}/main.js`,
        env: { ...env, PORT: String(subgraphPorts[name]) },
        readyUrl: `http://127.0.0.1:${subgraphPorts[name]}/health`,
      }),
    );
    await Promise.all(subgraphs.map((s) => s.ready));
    if (stopping) return;
    await group.start({
      name: 'gateway',
      entry: 'dist/gateway/src/main.js',
      args: ['--supergraph', supergraphPath, '--port', String(gatewayPort)],
      env: gatewayEnv,
      readyUrl: `http://127.0.0.1:${gatewayPort}/ready`,
    });
  } catch (error) {
    if (stopping) return;
    console.error(`start: ${(error as Error).message}; stopping the other services`);
    return stop(1);
  }
  if (stopping) return;
  if (isDevelopmentEnv(env.NODE_ENV)) schemaWatcher = recomposeOnSchemaChanges(supergraphPath);

  const store = env.REDIS_URL ? `Redis at ${redactedUrl(env.REDIS_URL)}` : 'embedded in-process stores (data lasts as long as the processes; set REDIS_URL to keep it in Redis)';
  console.log(
    [
      '',
      `Gateway:    http://localhost:${gatewayPort}/graphql`,
      ...SUBGRAPH_NAMES.map((name) => `${`${name[0].toUpperCase()}${name.slice(1)}:`.padEnd(11)} ${subgraphUrl(name)}`),
      `Store:      ${store}`,
      ...(schemaWatcher ? [`Schemas:    schemas/*.graphql watched; a change recomposes ${relative(ROOT, supergraphPath)}, which the gateway reloads`] : []),
      `Internal:   ${identityKeys.generated ? 'a fresh Ed25519 identity key pair for this run (set INTERNAL_AUTH_PRIVATE_KEY to keep one)' : 'INTERNAL_AUTH_PRIVATE_KEY from the environment'}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  const { service, status } = await group.firstExit();
  if (stopping) return;
  console.error(`start: ${service.name} exited unexpectedly (${describeExit(status)}); stopping the other services`);
  await stop(1);
}

/** Recomposes `supergraphPath` when a file in schemas/ changes; routing URLs from this environment, as `npm run compose` does. */
function recomposeOnSchemaChanges(supergraphPath: string): SchemaWatcher {
  const shown = relative(ROOT, supergraphPath);
  return watchSchemas({
    schemasDir: join(ROOT, 'schemas'),
    out: supergraphPath,
    env: process.env,
    onComposed: ({ sources, written }) =>
      console.log(
        written
          ? `start: schemas/ changed; recomposed ${sources.map((s) => s.name).join(', ')} into ${shown} (the gateway reloads it)`
          : `start: schemas/ changed; the composed supergraph is the same, ${shown} left as it is`,
      ),
    onError: (error) => console.error(`start: schemas/ changed but cannot be recomposed; ${shown} keeps the last supergraph that composed.\n${error.message}`),
  });
}

if (require.main === module) void main();
