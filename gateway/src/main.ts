/**
 * The gateway process: `npm run gateway -- --supergraph <file> --port <n>`.
 * Configuration is read and validated once, here; nothing below reads
 * process.env. With `workers` above 1 this process becomes the primary of a
 * node:cluster (cluster.ts) and each worker it forks runs this file again as
 * one gateway.
 */
import cluster from 'node:cluster';
import { logUnhandledRejections, onShutdownSignal } from '../../lib/lifecycle';
import { createLogger } from '../../lib/logger';
import { runPrimary, startWorkerLifecycle } from './cluster';
import { ConfigError, loadConfig } from './config/load';
import type { GatewayConfig } from './config/schema';
import { SupergraphError } from './federation/supergraph';
import { startGateway } from './gateway';

/** Time the primary gives its workers beyond their own shutdownGraceMs (subscriptions, data sources, Redis) before killing them. */
const WORKER_EXIT_MARGIN_MS = 5_000;

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig({ argv: process.argv.slice(2), env: process.env });
  } catch (error) {
    return fail(error);
  }

  if (cluster.isPrimary && config.workers > 1) {
    const logger = createLogger(config.logLevel, { service: 'gateway', role: 'primary' });
    logUnhandledRejections(logger);
    // Production refuses this in loadConfig; development and test are told once, here.
    if (!config.redisUrl) {
      logger.warn(
        `workers: ${config.workers} workers without redisUrl (REDIS_URL): each keeps its own rate-limit buckets and event subscriptions; allowed outside production only`,
      );
    }
    return runPrimary({ workers: config.workers, logger, shutdownTimeoutMs: config.shutdownGraceMs + WORKER_EXIT_MARGIN_MS });
  }

  const logger = createLogger(config.logLevel, cluster.isWorker ? { service: 'gateway', worker: cluster.worker!.id, pid: process.pid } : { service: 'gateway' });
  logUnhandledRejections(logger);
  const worker = cluster.isWorker ? startWorkerLifecycle(logger) : undefined;
  try {
    const gateway = await startGateway(config, logger);
    if (worker) worker.serving(gateway);
    else onShutdownSignal(() => gateway.close(), logger);
  } catch (error) {
    return fail(error);
  }
}

function fail(error: unknown): void {
  // Our own start-up errors carry a readable message; anything else keeps its stack.
  const known = error instanceof ConfigError || error instanceof SupergraphError;
  console.error(known ? `gateway: ${(error as Error).message}` : error);
  process.exit(1);
}

void main();
