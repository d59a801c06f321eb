/**
 * The gateway process: `npm run gateway -- --supergraph <file> --port <n>`.
 * Configuration is read and validated once, here; nothing below reads
 * process.env.
 */
import { logUnhandledRejections, onShutdownSignal } from '../../lib/lifecycle';
import { createLogger } from '../../lib/logger';
import { ConfigError, loadConfig } from './config/load';
import type { GatewayConfig } from './config/schema';
import { SupergraphError } from './federation/supergraph';
import { startGateway } from './gateway';

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig({ argv: process.argv.slice(2), env: process.env });
  } catch (error) {
    return fail(error);
  }
  const logger = createLogger(config.logLevel, { service: 'gateway' });
  logUnhandledRejections(logger);
  try {
    const gateway = await startGateway(config, logger);
    onShutdownSignal(() => gateway.close(), logger);
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
