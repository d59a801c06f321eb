/**
 * Schema checks: what a new supergraph changes in the API clients see, next to
 * a previous supergraph. Both are reduced to their API schemas with
 * @apollo/federation-internals (no join__/link machinery, no inaccessible
 * elements) and compared with @graphql-inspector/core's `diff`, which knows
 * which changes break clients (a removed field, an argument made required, a
 * removed enum value, a changed type), which are dangerous (a new enum value,
 * an argument's default changed) and which are safe.
 */
import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';

/** How a change is labelled in the report, worst first. */
export const SEVERITIES = ['BREAKING', 'DANGEROUS', 'SAFE'] as const;
export type Severity = (typeof SEVERITIES)[number];

const SEVERITY_OF: Record<CriticalityLevel, Severity> = {
  [CriticalityLevel.Breaking]: 'BREAKING',
  [CriticalityLevel.Dangerous]: 'DANGEROUS',
  [CriticalityLevel.NonBreaking]: 'SAFE',
};

export interface SchemaChange {
  severity: Severity;
  /** The schema coordinate the change is about: `Product.price`, `Query.products(first:)`, `ReservationStatus.RELEASED`. */
  coordinate: string;
  /** @graphql-inspector's description, e.g. "Field 'price' was removed from object type 'Product'". */
  message: string;
  /** @graphql-inspector's change type, e.g. FIELD_REMOVED. */
  type: string;
}

export interface SchemaCheckResult {
  /** Every change, breaking first, then dangerous, then safe; in schema order within each. */
  changes: SchemaChange[];
  breaking: number;
  dangerous: number;
  safe: number;
}

/** The previous supergraph is missing, unreadable or not a supergraph: the check cannot run. */
export class SchemaCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaCheckError';
  }
}

/** Reads a supergraph file for a check; a missing file or one that is no supergraph fails with a message naming it. */
export function readPreviousSupergraph(path: string): GraphQLSchema {
  let sdl: string;
  try {
    sdl = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new SchemaCheckError(`Cannot read the previous supergraph ${path}: ${reason}`);
  }
  return apiSchemaOf(sdl, `The previous supergraph ${path}`);
}

/**
 * The API schema of a supergraph SDL, as graphql-js. Feature support is not
 * checked (`supportedFeatures: null`): a check only reads the schema, it does
 * not serve it.
 */
export function apiSchemaOf(supergraphSdl: string, name: string): GraphQLSchema {
  try {
    return Supergraph.build(supergraphSdl, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema();
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new SchemaCheckError(`${name} is not a supergraph (${reason}); compare against a file written by \`npm run compose\``);
  }
}

/** Compares two API schemas; nothing is judged here that @graphql-inspector does not judge. */
export async function checkSchemas(previous: GraphQLSchema, next: GraphQLSchema): Promise<SchemaCheckResult> {
  const changes = (await diff(previous, next)).map(toSchemaChange);
  changes.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  const count = (severity: Severity) => changes.filter((change) => change.severity === severity).length;
  return { changes, breaking: count('BREAKING'), dangerous: count('DANGEROUS'), safe: count('SAFE') };
}

function toSchemaChange(change: Change): SchemaChange {
  return {
    severity: SEVERITY_OF[change.criticality.level],
    coordinate: coordinateOf(change),
    message: change.message,
    type: String(change.type),
  };
}

/**
 * @graphql-inspector paths are dotted (`Query.products.first`); arguments are
 * written as schema coordinates (`Query.products(first:)`, `@cost(weight:)`)
 * so a field and its argument never read alike.
 */
export function coordinateOf(change: Pick<Change, 'path' | 'type'>): string {
  const path = change.path ?? '(schema)';
  const type = String(change.type);
  const parts = path.split('.');
  if (type.startsWith('FIELD_ARGUMENT_') && parts.length === 3) return `${parts[0]}.${parts[1]}(${parts[2]}:)`;
  if (type.startsWith('DIRECTIVE_ARGUMENT_') && parts.length === 2) return `${parts[0]}(${parts[1]}:)`;
  return path;
}

/** One line per change, e.g. `BREAKING   Product.price: Field 'price' was removed from object type 'Product'`. */
export function formatChange(change: SchemaChange): string {
  return `${change.severity.padEnd(10)} ${change.coordinate}: ${change.message}`;
}

export function formatSummary(result: SchemaCheckResult, previousPath: string): string {
  if (result.changes.length === 0) return `Schema check against ${previousPath}: no changes to the API schema`;
  return `Schema check against ${previousPath}: ${result.breaking} breaking, ${result.dangerous} dangerous, ${result.safe} safe change(s)`;
}
