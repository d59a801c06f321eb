import { isAbstractType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import type { FetchDataRewrite } from '@apollo/query-planner';

/** A JSON object of the merged result; `null`-prototype objects and plain ones alike. */
export type ResultObject = Record<string, unknown>;

function isObject(value: unknown): value is ResultObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Merges a subgraph's answer into the result in place: objects field by
 * field, lists of equal length item by item, anything else replaced. The
 * same rule as @apollo/gateway's, so both executors build the same result.
 * Only own keys are read and written: a subgraph cannot reach a prototype.
 */
export function deepMerge(target: ResultObject, source: ResultObject): void {
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined || key === '__proto__') continue;
    const existing = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
    if (existing && isObject(value) && typeof existing === 'object') {
      deepMerge(existing as ResultObject, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const into = existing[i];
        if (isObject(into) && isObject(item)) deepMerge(into, item);
        else existing[i] = item;
      }
    } else {
      target[key] = value;
    }
  }
}

/**
 * Whether a result object is of a type (or a subtype of it), by its
 * `__typename`, against the supergraph schema; memoized per pair of names.
 * Without `__typename` the answer is `unknown` (callers choose).
 */
export class TypeMatcher {
  private readonly memo = new Map<string, Map<string, boolean>>();

  constructor(private readonly schema: GraphQLSchema) {}

  matches(object: ResultObject, typeCondition: string, unknown: boolean): boolean {
    const typename = object.__typename;
    if (typeof typename !== 'string' || typename === '') return unknown;
    if (typename === typeCondition) return true;
    let byTypename = this.memo.get(typeCondition);
    if (!byTypename) this.memo.set(typeCondition, (byTypename = new Map()));
    let result = byTypename.get(typename);
    if (result === undefined) {
      const type = this.schema.getType(typename);
      const condition = this.schema.getType(typeCondition);
      result =
        !!type && !!condition && isAbstractType(condition) && (isObjectType(type) || isInterfaceType(type)) && this.schema.isSubType(condition, type);
      byTypename.set(typename, result);
    }
    return result;
  }
}

const FRAGMENT_PREFIX = '... on ';

/**
 * Applies a fetch's input or output rewrites (the planner's ValueSetter and
 * KeyRenamer, e.g. `__typename` set to an interface name for an
 * @interfaceObject subgraph, or an aliased field renamed back).
 */
export function applyRewrites(types: TypeMatcher, rewrites: readonly FetchDataRewrite[] | undefined, value: unknown): void {
  if (!rewrites) return;
  for (const rewrite of rewrites) {
    if (rewrite.path.length === 0) continue;
    const last = rewrite.path[rewrite.path.length - 1];
    applyAtPath(types, rewrite.path, 0, rewrite.path.length - 1, value, (object) => {
      if (rewrite.kind === 'ValueSetter') {
        object[last] = rewrite.setValueTo;
      } else {
        const moved = Object.prototype.hasOwnProperty.call(object, last) ? object[last] : undefined;
        if (moved) {
          object[rewrite.renameKeyTo] = moved;
          object[last] = undefined;
        }
      }
    });
  }
}

function applyAtPath(types: TypeMatcher, path: readonly string[], at: number, end: number, value: unknown, apply: (object: ResultObject) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) applyAtPath(types, path, at, end, item, apply);
    return;
  }
  if (!isObject(value)) return;
  if (at === end) {
    apply(value);
    return;
  }
  const element = path[at];
  if (element.startsWith(FRAGMENT_PREFIX)) {
    // Rewrites run before every __typename is known: an object without one is taken to match.
    if (types.matches(value, element.slice(FRAGMENT_PREFIX.length), true)) applyAtPath(types, path, at + 1, end, value, apply);
  } else {
    applyAtPath(types, path, at + 1, end, Object.prototype.hasOwnProperty.call(value, element) ? value[element] : undefined, apply);
  }
}
