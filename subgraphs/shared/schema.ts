import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, type DocumentNode } from 'graphql';
import type { SubgraphName } from './ports';

/**
 * The directory holding `schemas/`: found by walking up from this file, so
 * it is the same from `subgraphs/shared/` (ts-node, jest) and
 * `dist/subgraphs/shared/` (compiled), and in the Docker image.
 */
export function findSchemasDir(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(candidate, 'products.graphql'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`No schemas/ directory with the subgraph SDL files above ${start}`);
  }
}

/** Reads and parses `schemas/<name>.graphql` (once, at start-up). */
export function loadSubgraphTypeDefs(name: SubgraphName): DocumentNode {
  const file = join(findSchemasDir(), `${name}.graphql`);
  return parse(readFileSync(file, 'utf8'));
}
