import type { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, type SelectionSetNode } from 'graphql';

/** `@cacheControl(scope:)`: PUBLIC answers are the same for every caller allowed to ask; PRIVATE ones belong to one caller. */
export type CacheScope = 'PUBLIC' | 'PRIVATE';

/** One `@cacheControl(maxAge:, scope:, inheritMaxAge:)` as Apollo Server defines it. */
export interface CacheHint {
  readonly maxAge?: number;
  readonly scope?: CacheScope;
  readonly inheritMaxAge?: boolean;
}

/** An entity key's fields (`@key(fields: "id")`, or nested: `"id org { id }"`). */
export interface KeyField {
  readonly name: string;
  readonly fields?: readonly KeyField[];
}
export type KeyFields = readonly KeyField[];

/** Directives whose fields or types answer differently per caller: a fetch touching them is cached per caller whatever its hint says. */
const CALLER_DEPENDENT_DIRECTIVES = ['authenticated', 'requiresScopes', 'policy'];

/**
 * What the entity cache reads of a supergraph, once per supergraph: the
 * `@cacheControl` hints its subgraphs declared (kept by `@composeDirective`),
 * the entity keys each subgraph resolves, and which elements depend on the
 * caller (`@authenticated`, `@requiresScopes`, `@policy`).
 *
 * Composition keeps one application of a composed directive per element; when
 * several subgraphs hint the same type, the most restrictive one is not
 * guaranteed to win, so a type is hinted by the subgraph that owns it and the
 * others hint their own fields (README "Caching").
 */
export class CacheSchemaFacts {
  private readonly typeHints = new Map<string, CacheHint>();
  private readonly fieldHints = new Map<string, CacheHint>();
  private readonly callerDependent = new Set<string>();
  /** subgraph -> type -> its keys there. */
  private readonly keysBySubgraph = new Map<string, Map<string, KeyFields[]>>();
  private readonly typesBySubgraph = new Map<string, Set<string>>();
  /** type -> every key any subgraph declares (what cache tags are made of). */
  private readonly allKeys = new Map<string, KeyFields[]>();

  constructor(supergraph: Supergraph, directiveName = 'cacheControl') {
    const schema = supergraph.schema;
    for (const type of schema.types()) {
      const typeHint = hintOf(type.appliedDirectivesOf(directiveName));
      if (typeHint) this.typeHints.set(type.name, typeHint);
      if (CALLER_DEPENDENT_DIRECTIVES.some((name) => type.appliedDirectivesOf(name).length > 0)) this.callerDependent.add(type.name);
      if (!('fields' in type) || typeof type.fields !== 'function') continue;
      for (const field of type.fields()) {
        const coordinate = `${type.name}.${field.name}`;
        const fieldHint = hintOf(field.appliedDirectivesOf(directiveName));
        if (fieldHint) this.fieldHints.set(coordinate, fieldHint);
        if (CALLER_DEPENDENT_DIRECTIVES.some((name) => field.appliedDirectivesOf(name).length > 0)) this.callerDependent.add(coordinate);
      }
    }
    for (const subgraph of supergraph.subgraphs()) {
      const byType = new Map<string, KeyFields[]>();
      const keyDirective = subgraph.metadata().keyDirective();
      const types = new Set<string>();
      this.typesBySubgraph.set(subgraph.name, types);
      for (const type of subgraph.schema.types()) {
        types.add(type.name);
        const keys = type.appliedDirectivesOf(keyDirective).map((d) => parseKeyFields(String((d.arguments() as { fields: string }).fields)));
        if (keys.length === 0) continue;
        byType.set(type.name, keys);
        const known = this.allKeys.get(type.name) ?? [];
        for (const key of keys) if (!known.some((k) => sameKey(k, key))) known.push(key);
        this.allKeys.set(type.name, known);
      }
      this.keysBySubgraph.set(subgraph.name, byType);
    }
  }

  /** The supergraph declares at least one hint: without any, nothing is ever cached. */
  get hasHints(): boolean {
    return this.typeHints.size > 0 || this.fieldHints.size > 0;
  }

  typeHint(type: string): CacheHint | undefined {
    return this.typeHints.get(type);
  }

  fieldHint(type: string, field: string): CacheHint | undefined {
    return this.fieldHints.get(`${type}.${field}`);
  }

  /** The type, or the field of it, answers per caller (`@authenticated`, `@requiresScopes`, `@policy`). */
  dependsOnCaller(type: string, field?: string): boolean {
    return this.callerDependent.has(field === undefined ? type : `${type}.${field}`);
  }

  /** The keys `subgraph` declares on `type` (undefined: not an entity there). */
  keysIn(subgraph: string, type: string): readonly KeyFields[] | undefined {
    return this.keysBySubgraph.get(subgraph)?.get(type);
  }

  /** Every key of an entity type, whichever subgraph declares it; empty for a type that is no entity. */
  keysOf(type: string): readonly KeyFields[] {
    return this.allKeys.get(type) ?? [];
  }

  hasType(subgraph: string, type: string): boolean {
    return this.typesBySubgraph.get(subgraph)?.has(type) ?? false;
  }

  isEntity(type: string): boolean {
    return this.allKeys.has(type);
  }
}

function hintOf(directives: ReadonlyArray<{ arguments(): Record<string, unknown> }>): CacheHint | undefined {
  if (directives.length === 0) return undefined;
  // Several applications (never from composition today, but a hand-written supergraph may have them): the most restrictive.
  let maxAge: number | undefined;
  let scope: CacheScope | undefined;
  let inheritMaxAge = false;
  for (const directive of directives) {
    const args = directive.arguments();
    if (typeof args.maxAge === 'number') maxAge = maxAge === undefined ? args.maxAge : Math.min(maxAge, args.maxAge);
    if (args.scope === 'PRIVATE') scope = 'PRIVATE';
    else if (args.scope === 'PUBLIC' && scope === undefined) scope = 'PUBLIC';
    if (args.inheritMaxAge === true) inheritMaxAge = true;
  }
  return { ...(maxAge !== undefined && { maxAge }), ...(scope && { scope }), ...(inheritMaxAge && { inheritMaxAge }) };
}

export function parseKeyFields(fields: string): KeyFields {
  const document = parse(`{${fields}}`);
  const operation = document.definitions[0];
  if (operation.kind !== Kind.OPERATION_DEFINITION) return [];
  return keyFieldsOf(operation.selectionSet);
}

function keyFieldsOf(selectionSet: SelectionSetNode): KeyField[] {
  const result: KeyField[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    result.push(selection.selectionSet ? { name: selection.name.value, fields: keyFieldsOf(selection.selectionSet) } : { name: selection.name.value });
  }
  return result;
}

function sameKey(a: KeyFields, b: KeyFields): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
