import { isAbstractType, isObjectType, type DocumentNode, type GraphQLSchema } from 'graphql';
import { responsePath } from './denials';
import { denialExtensions, denialMessage } from './messages';
import { TYPENAME_ALIAS, UNAUTHORIZED_FIELD_OR_TYPE, type AuthorizationOutcome, type Denial, type PathStep } from './types';

type JsonObject = Record<string, unknown>;
type Container = JsonObject | unknown[];

/** Where a value sits: `container[slot]`, and whether GraphQL forbids null there. */
interface Position {
  readonly container: Container;
  readonly slot: string | number;
  readonly nonNull: boolean;
}

/** An object reached by a path, with the positions leading to it from the root. */
interface Reached {
  readonly object: JsonObject;
  readonly chain: ReadonlyArray<Position>;
  readonly path: ReadonlyArray<string | number>;
}

export interface PatchedResult {
  data: Record<string, unknown> | null;
  errors: unknown[];
}

/**
 * Brings a result of the filtered document back to the shape of the original
 * one: null wherever a removed field is absent (items of lists expanded),
 * propagated through non-null positions as GraphQL does (up to `data: null`),
 * and one UNAUTHORIZED_FIELD_OR_TYPE error per denied path that exists in the
 * data. A fragment removed for its restricted type gets an error at each
 * object of that type, but no nulls: those objects simply lack its fields. A denial that reaches no object (a null parent, an empty list, no
 * object of the fragment's type) still gets one error, its path cut before
 * the first list ('@') it could not expand. Errors follow the result's own.
 *
 * When `outcome.nothingLeft` and `data` is absent (nothing was executed), the
 * data starts as `{}`. `document` and `operationName` are accepted for the
 * agreed signature; the outcome already carries the paths and types needed.
 * Pure: the inputs are not modified.
 */
export function applyDenials(
  result: { data?: Record<string, unknown> | null; errors?: ReadonlyArray<unknown> },
  outcome: AuthorizationOutcome,
  apiSchema: GraphQLSchema,
  _document?: DocumentNode,
  _operationName?: string,
): PatchedResult {
  const errors = [...(result.errors ?? [])];
  const { patch } = outcome;
  const startData = result.data === undefined && outcome.nothingLeft ? {} : (result.data ?? null);
  if (patch.nulls.length === 0 && patch.denials.length === 0 && !patch.typenameAdded) return { data: startData, errors };

  const root: { data: unknown } = { data: copy(startData) };
  const matches = typeMatcher(apiSchema);

  for (const steps of patch.nulls) {
    const last = steps[steps.length - 1];
    if (last?.kind !== 'field') continue;
    for (const reached of objectsAt(root, steps.slice(0, -1), matches)) {
      if (!attached(root, reached) || !matches(reached.object, last.when) || last.key in reached.object) continue;
      reached.object[last.key] = null;
      if (last.nonNull) bubbleNull(reached.chain);
    }
  }

  const reported = new Set<string>();
  const report = (path: ReadonlyArray<string | number>, denial: Denial) => {
    const id = JSON.stringify(path);
    if (reported.has(id)) return;
    reported.add(id);
    errors.push({ message: denialMessage(denial), path: [...path], extensions: { code: UNAUTHORIZED_FIELD_OR_TYPE, ...denialExtensions(denial) } });
  };
  for (const [index, steps] of patch.denials.entries()) {
    const denial = outcome.denials[index];
    const last = steps[steps.length - 1];
    const prefix = steps.slice(0, -1);
    let found = false;
    for (const reached of objectsAt(root, prefix, matches)) {
      if (!last || last.kind === 'item' || !matches(reached.object, last.when)) continue;
      found = true;
      report(last.kind === 'field' ? [...reached.path, last.key] : reached.path, denial);
    }
    if (!found) report(cutAtFirstList(responsePath(steps)), denial);
  }

  if (patch.typenameAdded) stripTypename(root.data);
  return { data: root.data as Record<string, unknown> | null, errors };
}

/** Every object at the end of `steps` (field and item steps; type conditions checked on the way). */
function* objectsAt(root: { data: unknown }, steps: ReadonlyArray<PathStep>, matches: Matcher): Generator<Reached> {
  const start = root.data;
  if (!isObject(start)) return;
  yield* descend({ object: start, chain: [{ container: root as JsonObject, slot: 'data', nonNull: false }], path: [] }, steps, 0, matches);
}

function* descend(at: Reached, steps: ReadonlyArray<PathStep>, index: number, matches: Matcher): Generator<Reached> {
  if (index === steps.length) {
    yield at;
    return;
  }
  const step = steps[index];
  if (step.kind !== 'field' || !matches(at.object, step.when)) return;
  const position: Position = { container: at.object, slot: step.key, nonNull: step.nonNull };
  yield* items(at.object[step.key], [...at.chain, position], [...at.path, step.key], steps, index + 1, matches);
}

/** Enters list levels (item steps) until the next field step, then continues with each object. */
function* items(
  value: unknown,
  chain: ReadonlyArray<Position>,
  path: ReadonlyArray<string | number>,
  steps: ReadonlyArray<PathStep>,
  index: number,
  matches: Matcher,
): Generator<Reached> {
  const step = steps[index];
  if (step?.kind === 'item') {
    if (!Array.isArray(value)) return;
    for (let i = 0; i < value.length; i++) {
      yield* items(value[i], [...chain, { container: value, slot: i, nonNull: step.nonNull }], [...path, i], steps, index + 1, matches);
    }
    return;
  }
  if (isObject(value)) yield* descend({ object: value, chain, path }, steps, index, matches);
}

/** An earlier null may have cut the object off the result; then it must not be touched. */
function attached(root: { data: unknown }, reached: Reached): boolean {
  let value: unknown = root.data;
  for (const position of reached.chain.slice(1)) {
    if (value !== position.container) return false;
    value = (position.container as Record<string | number, unknown>)[position.slot];
  }
  return value === reached.object;
}

/**
 * The object holding a nulled non-null field becomes null itself, and so on
 * upward while the position is non-null; the root position (`data`) is
 * nullable, so that is where it stops at the latest.
 */
function bubbleNull(chain: ReadonlyArray<Position>): void {
  for (let i = chain.length - 1; i >= 0; i--) {
    const { container, slot, nonNull } = chain[i];
    (container as Record<string | number, unknown>)[slot] = null;
    if (!nonNull) return;
  }
}

function cutAtFirstList(path: ReadonlyArray<string>): string[] {
  const list = path.indexOf('@');
  return list === -1 ? [...path] : path.slice(0, list);
}

type Matcher = (object: JsonObject, when: ReadonlyArray<string>) => boolean;

/** Does the object's runtime type satisfy every type condition? Unknown runtime type: no. */
function typeMatcher(schema: GraphQLSchema): Matcher {
  return (object, when) => {
    if (when.length === 0) return true;
    const typename = object[TYPENAME_ALIAS] ?? object.__typename;
    if (typeof typename !== 'string') return false;
    const runtime = schema.getType(typename);
    return when.every((name) => {
      if (name === typename) return true;
      const condition = schema.getType(name);
      return isObjectType(runtime) && isAbstractType(condition) && schema.isSubType(condition, runtime);
    });
  };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) out[key] = copy(value[key]);
    return out as T;
  }
  return value;
}

function stripTypename(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) stripTypename(item);
  } else if (isObject(value)) {
    delete value[TYPENAME_ALIAS];
    for (const key of Object.keys(value)) stripTypename(value[key]);
  }
}
