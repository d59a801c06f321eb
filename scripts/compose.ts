/**
 * `npm run compose`: composes every `schemas/*.graphql` into one supergraph
 * with @apollo/composition. Subgraph names come from the file names and their
 * routing URLs from SUBGRAPH_<NAME>_URL (default: localhost on the port in
 * DEFAULT_SUBGRAPH_PORTS). Composition
 * errors are printed one per line and fail the command.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { DEFAULT_SUBGRAPH_PORTS } from '../subgraphs/shared/ports';

export interface SubgraphSource {
  name: string;
  url: string;
  typeDefs: string;
}

export function readSubgraphSources(schemasDir: string, env: NodeJS.ProcessEnv = process.env): SubgraphSource[] {
  return readdirSync(schemasDir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => {
      const name = basename(file, '.graphql');
      const port = DEFAULT_SUBGRAPH_PORTS[name as keyof typeof DEFAULT_SUBGRAPH_PORTS];
      const url = env[`SUBGRAPH_${name.toUpperCase()}_URL`] ?? (port ? `http://localhost:${port}/graphql` : undefined);
      if (!url) throw new Error(`No routing URL for subgraph "${name}": set SUBGRAPH_${name.toUpperCase()}_URL`);
      return { name, url, typeDefs: readFileSync(join(schemasDir, file), 'utf8') };
    });
}

/** Returns the supergraph SDL, or throws an Error whose message lists every composition error. */
export function composeSupergraph(sources: SubgraphSource[]): string {
  const result = composeServices(sources.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.typeDefs) })));
  if (result.errors) {
    const lines = result.errors.map((e) => `  - ${e.extensions?.code ?? 'ERROR'}: ${e.message}`);
    throw new Error(`Composition failed with ${result.errors.length} error(s):\n${lines.join('\n')}`);
  }
  return result.supergraphSdl;
}

function main(): void {
  const root = resolve(__dirname, '..', '..');
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = resolve(outIndex === -1 ? join(root, 'supergraph.graphql') : args[outIndex + 1]);
  try {
    const sources = readSubgraphSources(join(root, 'schemas'));
    writeFileSync(out, composeSupergraph(sources));
    console.log(`Composed ${sources.map((s) => `${s.name} (${s.url})`).join(', ')} into ${out}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}

if (require.main === module) main();
