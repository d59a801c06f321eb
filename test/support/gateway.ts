import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../gateway/src/config/load';
import { startGateway, type RunningGateway } from '../../gateway/src/gateway';

/** Writes a supergraph SDL to a temporary file and returns its path. */
export function writeSupergraphFile(sdl: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'supergraph-')), 'supergraph.graphql');
  writeFileSync(file, sdl);
  return file;
}

/**
 * Starts the real gateway in this process on a free port, configured exactly
 * as the CLI would be (`loadConfig` over flags and environment variables).
 */
export function startTestGateway(supergraphPath: string, env: Record<string, string> = {}): Promise<RunningGateway> {
  const config = loadConfig({
    argv: ['--supergraph', supergraphPath, '--port', '0', '--host', '127.0.0.1'],
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'test', ...env },
  });
  return startGateway(config);
}
