
/**
 * What the differential corpus must exercise, as a whole. Every operation
 * names the features it covers; a guard spec fails if one of these is covered
 * by no operation, so a feature cannot silently drop out of the comparison.
 */
export const FEATURES = [
  // Federation
  'single @key',
  'compound @key',
  'multiple @keys',
  'entity chain',
  '@requires',
  '@requires nested field',
  '@provides',
  '@external',
  '@shareable',
  'interface',
  'interface fragments',
  'interface fields',
  'union',
  '@interfaceObject',
  '@override',
  'nested lists of entities',
  // Nulls and errors
  'nullable null',
  'entity resolves to null',
  'entity not found',
  'error with code',
  'error without code',
  'errors on list items',
  'null propagation',
  'dead subgraph',
  // Operation shapes
  'aliases',
  'aliases with different arguments',
  'named fragments',
  'inline fragments',
  '__typename',
  'root __typename',
  '@skip',
  '@include',
  'directive variables',
  'variable defaults',
  'enum arguments',
  'input objects',
  'mutation',
  'deep nesting',
  'large list',
  'introspection',
] as const;

export type Feature = (typeof FEATURES)[number];

/** One operation of the corpus: data, sent as is to both gateways. */
export interface CorpusOperation {
  /** Unique within its supergraph; says what the operation asks for. */
  name: string;
  covers: Feature[];
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  /** The reference answer carries errors (a resolver throws, a subgraph is down, a non-null field is null). */
  expectErrors?: boolean;
  /**
   * Where @apollo/gateway is known to break the spec, the answer the spec
   * requires: `native` must answer exactly `data` (JSON text), `apollo` the
   * same values in its own, different order.
   */
  apolloQuirk?: { reason: string; data: string };
}

export type { SubgraphDefinition, SubgraphResolvers } from '../support/subgraph-server';
import type { SubgraphDefinition } from '../support/subgraph-server';

export interface SupergraphDefinition {
  name: string;
  /** What the supergraph is about, for test names and the README. */
  summary: string;
  subgraphs: SubgraphDefinition[];
  operations: CorpusOperation[];
}

