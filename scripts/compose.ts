/**
 * `npm run compose`: composes every `schemas/*.graphql` into one supergraph
 * with @apollo/composition. Subgraph names come from the file names and their
 * routing URLs from SUBGRAPH_<NAME>_URL (default: localhost on the port in
 * DEFAULT_SUBGRAPH_PORTS). Composition errors are printed one per line and
 * fail the command.
 *
 *   --schemas <dir>    the subgraph SDL files (default: schemas/)
 *   --out <file>       where the supergraph goes (default: ./supergraph.graphql)
 *   --check <file>     compare the new API schema with this previous supergraph's
 *                      (scripts/schema-check.ts): every change is listed with its
 *                      criticality; any breaking change fails the command and
 *                      nothing is written
 *   --dry-run          compose (and check) without writing anything
 *
 * The supergraph is written atomically (temporary file, then rename), so a
 * process watching it never reads half a file.
 */
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, type DocumentNode } from 'graphql';
import { DEFAULT_SUBGRAPH_PORTS } from '../subgraphs/shared/ports';
import { apiSchemaOf, checkSchemas, formatChange, formatSummary, readPreviousSupergraph } from './schema-check';

export interface SubgraphSource {
  name: string;
  url: string;
  typeDefs: string;
}

export function readSubgraphSources(schemasDir: string, env: NodeJS.ProcessEnv = process.env): SubgraphSource[] {
  let files: string[];
  try {
    files = readdirSync(schemasDir).filter((file) => file.endsWith('.graphql'));
  } catch (error) {
    throw new Error(`Cannot read the schemas directory ${schemasDir}: ${(error as Error).message}`);
  }
  if (files.length === 0) throw new Error(`No subgraph schemas (*.graphql) in ${schemasDir}`);
  return files
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
  const result = composeServices(sources.map((s) => ({ name: s.name, url: s.url, typeDefs: parseSubgraph(s) })));
  if (result.errors) {
    const lines = result.errors.map((e) => `  - ${e.extensions?.code ?? 'ERROR'}: ${e.message}`);
    throw new Error(`Composition failed with ${result.errors.length} error(s):\n${lines.join('\n')}`);
  }
  return result.supergraphSdl;
}

function parseSubgraph(source: SubgraphSource): DocumentNode {
  try {
    return parse(source.typeDefs);
  } catch (error) {
    throw new Error(`Composition failed: the schema of subgraph "${source.name}" is not valid SDL: ${(error as Error).message}`);
  }
}

/**
 * Writes `contents` to `file` so that readers see the old file or the new one,
 * never a part: a temporary file in the same directory (same filesystem), then
 * a rename over the target.
 */
export function writeFileAtomically(file: string, contents: string): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temporary, contents);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** The repository root (this file runs from dist/scripts/). */
const ROOT = resolve(__dirname, '..', '..');

export interface ComposeOptions {
  schemasDir: string;
  out: string;
  /** The previous supergraph to check the new one against. */
  check?: string;
  dryRun: boolean;
}

const USAGE = 'usage: npm run compose -- [--schemas <dir>] [--out <file>] [--check <previous supergraph>] [--dry-run]';

/** Parses the command line; an unknown option or a missing value is an error that names it. */
export function parseComposeArgs(args: string[], root = ROOT): ComposeOptions {
  const options: ComposeOptions = { schemasDir: join(root, 'schemas'), out: join(root, 'supergraph.graphql'), dryRun: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--dry-run') {
      options.dryRun = true;
      continue;
    }
    if (arg !== '--schemas' && arg !== '--out' && arg !== '--check') throw new Error(`Unknown argument "${arg}"\n${USAGE}`);
    const value = args[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value\n${USAGE}`);
    if (arg === '--schemas') options.schemasDir = resolve(value);
    else if (arg === '--out') options.out = resolve(value);
    else options.check = value; // as given: it is named so in the report
  }
  return options;
}

/** Composes, checks if asked, writes unless told not to or the check failed; returns the exit code. */
export async function runCompose(options: ComposeOptions): Promise<number> {
  // The previous file is read first: a check that cannot run should not wait for a composition.
  const previous = options.check === undefined ? undefined : readPreviousSupergraph(options.check);
  const sources = readSubgraphSources(options.schemasDir);
  const supergraphSdl = composeSupergraph(sources);
  console.log(`Composed ${sources.map((s) => `${s.name} (${s.url})`).join(', ')}`);

  if (previous && options.check !== undefined) {
    const result = await checkSchemas(previous, apiSchemaOf(supergraphSdl, 'The composed supergraph'));
    for (const change of result.changes) console.log(formatChange(change));
    console.log(formatSummary(result, options.check));
    if (result.breaking > 0) {
      console.error(`Schema check failed: ${result.breaking} breaking change(s); the supergraph was not written`);
      return 1;
    }
  }
  if (options.dryRun) {
    console.log('Nothing written (--dry-run)');
  } else {
    writeFileAtomically(options.out, supergraphSdl);
    console.log(`Wrote ${options.out}`);
  }
  return 0;
}

async function main(): Promise<void> {
  try {
    process.exitCode = await runCompose(parseComposeArgs(process.argv.slice(2)));
  } catch (error) {
    // Composition errors, a missing or foreign previous supergraph, usage: each is a message, not a stack.
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
