import { readFileSync } from 'node:fs';
import { Kind, parse, print, visit, type ConstArgumentNode, type DocumentNode } from 'graphql';

export interface SupergraphSubgraph {
  /** The subgraph's name as composed (`@join__graph(name:)`). */
  name: string;
  /** Its routing URL as composed (`@join__graph(url:)`). */
  url: string;
}

export interface Supergraph {
  /** The SDL as composed, security directives included (the authorization policy is read from it). */
  sdl: string;
  /** The SDL handed to @apollo/gateway: the security features this gateway enforces itself are declared supported. */
  executableSdl: string;
  subgraphs: SupergraphSubgraph[];
}

/**
 * Security features this gateway enforces before planning (auth/authorization).
 * @apollo/gateway refuses any `@link(for: SECURITY)` it does not know, which
 * is the right default; for these it is told they are handled.
 */
export const ENFORCED_SECURITY_FEATURES = [/^https:\/\/specs\.apollo\.dev\/authenticated\/v0\.\d+$/, /^https:\/\/specs\.apollo\.dev\/requiresScopes\/v0\.\d+$/];

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
  return parseSupergraph(readSupergraphFile(path), path);
}

/** A supergraph file's text, or a SupergraphError naming the file. */
export function readSupergraphFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SupergraphError(`Cannot read supergraph file ${path}: ${(error as Error).message}`);
  }
}

/** Reads a supergraph's text (from `source`: a file or a URL, for messages) and lists its subgraphs. */
export function parseSupergraph(sdl: string, source: string): Supergraph {
  let document: DocumentNode;
  try {
    document = parse(sdl);
  } catch (error) {
    throw new SupergraphError(`Supergraph ${source} is not valid GraphQL SDL: ${(error as Error).message}`);
  }
  const subgraphs = joinGraphs(document);
  if (subgraphs.length === 0) {
    throw new SupergraphError(`${source} is not a supergraph: it has no join__Graph enum (compose it with \`npm run compose\`)`);
  }
  return { sdl, executableSdl: withEnforcedSecurityFeatures(document, sdl), subgraphs };
}

/** Drops `for: SECURITY` from the links of ENFORCED_SECURITY_FEATURES; any other security feature still fails the load. */
function withEnforcedSecurityFeatures(document: DocumentNode, sdl: string): string {
  let changed = false;
  const result = visit(document, {
    Directive(node) {
      if (node.name.value !== 'link') return undefined;
      const url = stringArgument(node.arguments as readonly ConstArgumentNode[], 'url');
      if (url === undefined || !ENFORCED_SECURITY_FEATURES.some((feature) => feature.test(url))) return undefined;
      const args = node.arguments?.filter((arg) => !(arg.name.value === 'for' && arg.value.kind === Kind.ENUM && arg.value.value === 'SECURITY'));
      if (args?.length === node.arguments?.length) return undefined;
      changed = true;
      return { ...node, arguments: args };
    },
  });
  return changed ? print(result) : sdl;
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
 * The URLs each subgraph is called on (several: instances load-balanced
 * between): the composed URL unless the configuration overrides it. An
 * override naming no subgraph of the supergraph is a configuration mistake,
 * reported at start-up.
 */
export function resolveSubgraphUrls(
  supergraph: Supergraph,
  overrides: Record<string, { url?: string; urls?: string[] }>,
): Map<string, string[]> {
  const known = new Set(supergraph.subgraphs.map((s) => s.name));
  for (const name of Object.keys(overrides)) {
    if (!known.has(name)) {
      throw new SupergraphError(
        `Invalid configuration: subgraphs.${name}: the supergraph has no subgraph named "${name}" (it has: ${[...known].join(', ')})`,
      );
    }
  }
  const urls = new Map<string, string[]>();
  for (const { name, url } of supergraph.subgraphs) {
    const override = overrides[name];
    const resolved = override?.urls ?? (override?.url ? [override.url] : url ? [url] : []);
    if (resolved.length === 0) throw new SupergraphError(`Subgraph "${name}" has no URL in the supergraph; set subgraphs.${name}.url`);
    urls.set(name, resolved);
  }
  return urls;
}
