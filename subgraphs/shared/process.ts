import { logUnhandledRejections, onShutdownSignal } from '../../lib/lifecycle';
import { createLogger } from '../../lib/logger';
import { readSubgraphConfig } from './config';
import type { SubgraphName } from './ports';
import type { RunningSubgraph, SubgraphOptions } from './service';

/**
 * The body of every subgraph's `main.ts`: reads the environment once
 * (a bad value exits 1 with a message naming the variable), starts the
 * subgraph, and shuts it down gracefully on SIGINT/SIGTERM.
 */
export async function runSubgraphProcess(
  name: SubgraphName,
  start: (options: SubgraphOptions) => Promise<RunningSubgraph<unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  let config;
  try {
    config = readSubgraphConfig(name, env);
  } catch (error) {
    return fail(name, error);
  }
  const logger = createLogger(config.logLevel, { service: name });
  logUnhandledRejections(logger);
  try {
    const { port, host, redisUrl, nodeEnv, identityPublicKey, otlpEndpoint, eventRetention } = config;
    const subgraph = await start({ port, host, redisUrl, nodeEnv, identityPublicKey, logger, eventRetention, ...(otlpEndpoint && { tracing: { otlpEndpoint } }) });
    onShutdownSignal(() => subgraph.close(), logger);
  } catch (error) {
    logger.error('start-up failed', { error });
    return fail(name, error);
  }
}

function fail(name: SubgraphName, error: unknown): void {
  console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
