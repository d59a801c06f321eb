import { readFileSync } from 'node:fs';
import { Kind, parse, type ConstArgumentNode, type DocumentNode } from 'graphql';

export interface SupergraphSubgraph {
  /** The subgraph's name as composed (`@join__graph(name:)`). */
  name: string;
  /** Its routing URL as composed (`@join__graph(url:)`). */
  url: string;
}

export interface Supergraph {
  sdl: string;
  subgraphs: SupergraphSubgraph[];
}

export class SupergraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SupergraphError';
  }
}

/**
 * Reads a supergraph file and lists its subgraphs. This is the cheap check
 * that fails start-up with a readable message; @apollo/gateway then validates
 * the whole supergraph when it loads it.
 */
export function readSupergraph(path: string): Supergraph {
  let sdl: string;
  try {
    sdl = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SupergraphError(`Cannot read supergraph file ${path}: ${(error as Error).message}`);
  }
  let document: DocumentNode;
  try {
    document = parse(sdl);
  } catch (error) {
    throw new SupergraphError(`Supergraph file ${path} is not valid GraphQL SDL: ${(error as Error).message}`);
  }
  const subgraphs = joinGraphs(document);
  if (subgraphs.length === 0) {
    throw new SupergraphError(`${path} is not a supergraph: it has no join__Graph enum (compose it with \`npm run compose\`)`);
  }
  return { sdl, subgraphs };
}

function joinGraphs(document: DocumentNode): SupergraphSubgraph[] {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    return (definition.values ?? []).flatMap((value) => {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const name = stringArgument(directive?.arguments, 'name');
      const url = stringArgument(directive?.arguments, 'url');
      return name !== undefined ? [{ name, url: url ?? '' }] : [];
    });
  }
  return [];
}

function stringArgument(args: readonly ConstArgumentNode[] | undefined, name: string): string | undefined {
  const arg = args?.find((a) => a.name.value === name);
  return arg?.value.kind === Kind.STRING ? arg.value.value : undefined;
}

/**
 * The URL each subgraph is called on: the composed URL unless the
 * configuration overrides it. An override naming no subgraph of the
 * supergraph is a configuration mistake, reported at start-up.
 */
export function resolveSubgraphUrls(
  supergraph: Supergraph,
  overrides: Record<string, { url?: string }>,
): Map<string, string> {
  const known = new Set(supergraph.subgraphs.map((s) => s.name));
  for (const name of Object.keys(overrides)) {
    if (!known.has(name)) {
      throw new SupergraphError(
        `Invalid configuration: subgraphs.${name}: the supergraph has no subgraph named "${name}" (it has: ${[...known].join(', ')})`,
      );
    }
  }
  const urls = new Map<string, string>();
  for (const { name, url } of supergraph.subgraphs) {
    const resolved = overrides[name]?.url ?? url;
    if (!resolved) throw new SupergraphError(`Subgraph "${name}" has no URL in the supergraph; set subgraphs.${name}.url`);
    urls.set(name, resolved);
  }
  return urls;
}
