import type { FetchNode, QueryPlanSelectionNode } from '@apollo/query-planner';
import type { FetchCachePlan, SchemaEntityCache } from '../cache';
import { deepMerge, type ResultObject, type TypeMatcher } from './merge';

/**
 * A FetchNode made ready to send, once per plan: the request body up to its
 * variables already serialized, and the plan's `requires` turned into a
 * function that reads one entity's representation out of the merged result.
 */
export interface CompiledFetch {
  readonly node: FetchNode;
  /** `{"query":…,"operationName":…,"variables":` — the variables' JSON and `}` complete it. */
  readonly bodyPrefix: string;
  readonly variableUsages: readonly string[];
  /** Present for an entity fetch (`_entities`): the representation of one entity, or null when it has none. */
  readonly representationOf?: (entity: ResultObject) => ResultObject | null;
  /** With the entity cache on a supergraph with hints: the fetch's policy and key prefixes (gateway/src/cache). */
  readonly cache?: FetchCachePlan;
}

/** `cache`: the supergraph's entity cache, when it has one; it may add entity keys to the operation sent. */
export function compileFetch(node: FetchNode, types: TypeMatcher, cache?: SchemaEntityCache): CompiledFetch {
  const plan = cache?.plan(node);
  const operation = plan?.operation ?? node.operation;
  const prefix = `{"query":${JSON.stringify(operation)}${node.operationName ? `,"operationName":${JSON.stringify(node.operationName)}` : ''},"variables":`;
  const requires = node.requires;
  return {
    node,
    bodyPrefix: prefix,
    ...(plan && { cache: plan }),
    variableUsages: node.variableUsages ?? [],
    ...(requires && { representationOf: (entity: ResultObject) => select(types, entity, requires) }),
  };
}

/**
 * Reads `selections` out of `source` as @apollo/gateway does for `requires`:
 * a missing field means the entity lacks an input (a non-null field failed
 * upstream) and gets no representation; an inline fragment applies when the
 * object's `__typename` is of its type.
 */
function select(types: TypeMatcher, source: unknown, selections: readonly QueryPlanSelectionNode[]): ResultObject | null {
  if (source === null || typeof source !== 'object') return null;
  const object = source as ResultObject;
  const result: ResultObject = Object.create(null);
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const key = selection.alias ?? selection.name;
      const value = Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
      if (value === undefined) return null;
      const sub = selection.selections;
      if (Array.isArray(value)) result[key] = sub ? value.map((item) => select(types, item, sub)) : value;
      else result[key] = sub ? select(types, value, sub) : value;
    } else if (selection.typeCondition && types.matches(object, selection.typeCondition, false)) {
      const fragment = select(types, object, selection.selections);
      if (fragment) deepMerge(result, fragment);
    }
  }
  return result;
}
