import {
  Kind,
  executeSync,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLFormattedError,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import type { ResultObject } from './merge';

/**
 * The client's answer, cut out of the merged subgraph results in one pass:
 * only the fields the operation asked for, in its order, under its aliases,
 * with `__typename` answered, type conditions applied by each object's
 * runtime type, @skip/@include decided, leaves checked against their types
 * and nulls propagated to the nearest nullable parent — the rules of
 * @apollo/gateway's result shaping, so both executors answer alike.
 *
 * A projection is compiled once per operation (plan) and per set of
 * @skip/@include values, lazily: each selection set per runtime type when an
 * object of that type first passes through it.
 */
export interface ProjectionResult {
  data: ResultObject | null;
  /** Values that broke the schema's promises (a null for a non-null field...): Apollo's `valueCompletion` errors. */
  completionErrors: GraphQLFormattedError[];
}

/** `object[key] = value`, except that an alias `__proto__` becomes an own property, not the object's prototype. */
function set(object: ResultObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/** Why a value is null: `ERROR_NULL` already has its error; `INVALID` is a null a non-null type must pass up. */
const ERROR_NULL = Symbol('null with an error');
const INVALID = Symbol('null to propagate');
type Completed = unknown;

type Shape =
  | { readonly kind: 'nonNull'; readonly of: Shape; readonly inner: string }
  | { readonly kind: 'list'; readonly of: Shape }
  | { readonly kind: 'leaf'; readonly type: string; readonly valid: (value: unknown) => boolean }
  | { readonly kind: 'composite'; readonly type: GraphQLCompositeType; readonly selections: Selections };

type CompiledField =
  | { readonly kind: 'typename'; readonly key: string; readonly scope: GraphQLCompositeType }
  | { readonly kind: 'value'; readonly key: string; readonly scope: string; readonly shape: Shape }
  | { readonly kind: 'introspection'; readonly key: string; readonly document: DocumentNode };

/** How a selection set reads one object: the fields, in order, for that object's runtime type; or a refusal of its `__typename`. */
type ObjectReader = readonly CompiledField[];

interface Compilation {
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly operation: OperationDefinitionNode;
  readonly allFragments: readonly FragmentDefinitionNode[];
  /** @skip/@include decided for this projection. */
  readonly included: (node: SelectionNode) => boolean;
}

class Selections {
  private readonly readers = new Map<string, ObjectReader>();

  constructor(
    private readonly compilation: Compilation,
    private readonly nodes: readonly SelectionNode[],
    readonly staticType: GraphQLCompositeType,
  ) {}

  get schema(): GraphQLSchema {
    return this.compilation.schema;
  }

  /** The fields for an object whose `__typename` names `runtime` (a composite type), or that has none (`undefined`). */
  readerFor(runtime: GraphQLCompositeType | undefined): ObjectReader {
    const cacheKey = runtime?.name ?? '';
    let reader = this.readers.get(cacheKey);
    if (!reader) {
      reader = this.compile(runtime);
      this.readers.set(cacheKey, reader);
    }
    return reader;
  }

  private compile(runtime: GraphQLCompositeType | undefined): ObjectReader {
    const { schema } = this.compilation;
    const grouped = new Map<string, { scope: GraphQLCompositeType; nodes: FieldNode[] }>();
    const collect = (nodes: readonly SelectionNode[], scope: GraphQLCompositeType) => {
      for (const node of nodes) {
        if (!this.compilation.included(node)) continue;
        if (node.kind === Kind.FIELD) {
          const key = node.alias?.value ?? node.name.value;
          const group = grouped.get(key);
          if (group) group.nodes.push(node);
          else grouped.set(key, { scope, nodes: [node] });
          continue;
        }
        let condition: GraphQLCompositeType | undefined;
        let selections: readonly SelectionNode[];
        if (node.kind === Kind.INLINE_FRAGMENT) {
          condition = node.typeCondition ? (schema.getType(node.typeCondition.name.value) as GraphQLCompositeType | undefined) : undefined;
          selections = node.selectionSet.selections;
        } else {
          const fragment = this.compilation.fragments.get(node.name.value);
          if (!fragment) continue;
          condition = schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType | undefined;
          selections = fragment.selectionSet.selections;
        }
        // With a __typename, a condition applies to that type; without one, to the type in scope.
        if (condition && !isSubtype(schema, condition, runtime ?? scope)) continue;
        collect(selections, condition ?? scope);
      }
    };
    collect(this.nodes, runtime ?? this.staticType);

    const fields: CompiledField[] = [];
    for (const [key, { scope, nodes }] of grouped) {
      const name = nodes[0].name.value;
      if (name === '__typename') {
        fields.push({ kind: 'typename', key, scope });
      } else if (name === '__schema' || name === '__type') {
        fields.push({ kind: 'introspection', key, document: this.introspectionDocument(nodes[0]) });
      } else {
        const definition = 'getFields' in scope ? scope.getFields()[name] : undefined;
        if (!definition) continue; // validated upstream; an unknown field is not the projection's to report
        const sub = nodes.flatMap((node) => node.selectionSet?.selections ?? []);
        fields.push({ kind: 'value', key, scope: scope.name, shape: this.shapeOf(definition.type, sub) });
      }
    }
    return fields;
  }

  private shapeOf(type: GraphQLOutputType, sub: readonly SelectionNode[]): Shape {
    if (isNonNullType(type)) return { kind: 'nonNull', of: this.shapeOf(type.ofType, sub), inner: String(type.ofType) };
    if (isListType(type)) return { kind: 'list', of: this.shapeOf(type.ofType, sub) };
    if (isCompositeType(type)) return { kind: 'composite', type, selections: new Selections(this.compilation, sub, type) };
    return { kind: 'leaf', type: type.name, valid: leafValidator(type) };
  }

  private introspectionDocument(field: FieldNode): DocumentNode {
    const { operation, allFragments } = this.compilation;
    return {
      kind: Kind.DOCUMENT,
      definitions: [
        { ...operation, name: undefined, directives: [], selectionSet: { kind: Kind.SELECTION_SET, selections: [field] } },
        ...allFragments,
      ],
    };
  }
}

function compositeNamed(schema: GraphQLSchema, name: string): GraphQLCompositeType | undefined {
  const type = schema.getType(name);
  return type && isCompositeType(type) ? type : undefined;
}

/** `condition` applies to objects of `type`: the same type, or `type` implements it or belongs to it. */
function isSubtype(schema: GraphQLSchema, condition: GraphQLCompositeType, type: GraphQLCompositeType): boolean {
  if (condition === type) return true;
  return isAbstractType(condition) && !isUnionType(type) && schema.isSubType(condition, type as GraphQLObjectType | GraphQLInterfaceType);
}

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

/** Whether a subgraph's value fits a leaf type (custom scalars take anything), as @apollo/gateway checks it. */
function leafValidator(type: GraphQLNamedType): (value: unknown) => boolean {
  if (isEnumType(type)) {
    const values = new Set(type.getValues().map((v) => v.name));
    return (value) => typeof value === 'string' && values.has(value);
  }
  if (!isScalarType(type)) return () => false;
  switch (type.name) {
    case 'Boolean':
      return (value) => typeof value === 'boolean';
    case 'Int':
      return (value) => typeof value === 'number' && Number.isFinite(value) && INTEGER.test(String(value));
    case 'ID':
      return (value) => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value) && INTEGER.test(String(value)));
    case 'Float':
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case 'String':
      return (value) => typeof value === 'string';
    default:
      return () => true;
  }
}

export interface ProjectionInput {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Coerced variable values (defaults applied): @skip/@include read them. */
  variables: Readonly<Record<string, unknown>>;
}

/**
 * Compiles projections for one operation: one per distinct set of
 * @skip/@include outcomes (most operations have none, hence one), each
 * itself compiled lazily per selection set and runtime type.
 */
export class OperationProjection {
  private readonly conditionVariables: readonly string[];
  private readonly byConditions = new Map<string, Projection>();
  private readonly subselections = new WeakMap<object, Map<string, Projection>>();
  private readonly fragments: Map<string, FragmentDefinitionNode>;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly document: DocumentNode,
    private readonly operation: OperationDefinitionNode,
  ) {
    this.fragments = new Map();
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    this.conditionVariables = conditionVariablesOf(document);
  }

  /** The projection for these (coerced) variable values. */
  for(variables: Readonly<Record<string, unknown>>): Projection {
    const key = this.conditionKey(variables);
    let projection = this.byConditions.get(key);
    if (!projection) {
      projection = this.compile(variables);
      // Every combination is bounded by 2^n, but n is the client's: keep the first few only.
      if (this.byConditions.size < 64) this.byConditions.set(key, projection);
    }
    return projection;
  }

  /**
   * The projection of a selection set other than the operation's (a part of
   * a deferred answer), on `type`; cached per `owner` (the plan node it
   * belongs to) and set of @skip/@include values.
   */
  forSubselection(owner: object, selections: readonly SelectionNode[], type: GraphQLCompositeType, variables: Readonly<Record<string, unknown>>): Projection {
    let byConditions = this.subselections.get(owner);
    if (!byConditions) this.subselections.set(owner, (byConditions = new Map()));
    const key = this.conditionKey(variables);
    let projection = byConditions.get(key);
    if (!projection) {
      projection = new Projection(new Selections(this.compilation(variables), selections, type));
      if (byConditions.size < 64) byConditions.set(key, projection);
    }
    return projection;
  }

  private conditionKey(variables: Readonly<Record<string, unknown>>): string {
    let key = '';
    for (const name of this.conditionVariables) key += variables[name] === true ? '1' : '0';
    return key;
  }

  private compile(variables: Readonly<Record<string, unknown>>): Projection {
    const root = this.schema.getRootType(this.operation.operation);
    if (!root) throw new Error(`the schema has no ${this.operation.operation} type`);
    return new Projection(new Selections(this.compilation(variables), this.operation.selectionSet.selections, root));
  }

  private compilation(variables: Readonly<Record<string, unknown>>): Compilation {
    return {
      schema: this.schema,
      fragments: this.fragments,
      operation: this.operation,
      allFragments: [...this.fragments.values()],
      included: (node) => isIncluded(node, variables),
    };
  }
}

function isIncluded(node: SelectionNode, variables: Readonly<Record<string, unknown>>): boolean {
  if (!node.directives || node.directives.length === 0) return true;
  for (const directive of node.directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const arg = directive.arguments?.find((a) => a.name.value === 'if');
    if (!arg) continue;
    const value = arg.value.kind === Kind.BOOLEAN ? arg.value.value : arg.value.kind === Kind.VARIABLE ? variables[arg.value.name.value] === true : false;
    if (name === 'skip' ? value : !value) return false;
  }
  return true;
}

/** Variables that decide a @skip or @include somewhere in the document. */
function conditionVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  const visit = (selections: readonly SelectionNode[]) => {
    for (const node of selections) {
      for (const directive of node.directives ?? []) {
        if (directive.name.value !== 'skip' && directive.name.value !== 'include') continue;
        for (const arg of directive.arguments ?? []) if (arg.value.kind === Kind.VARIABLE) names.add(arg.value.name.value);
      }
      if (node.kind !== Kind.FRAGMENT_SPREAD && node.selectionSet) visit(node.selectionSet.selections);
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition.selectionSet.selections);
  }
  return [...names].sort();
}

/** One compiled projection: `apply` runs it over a merged result. */
export class Projection {
  constructor(private readonly root: Selections) {}

  /** Projects `input` (an object of the selection set's type); `path` prefixes error paths (a deferred fragment's). */
  apply(input: ResultObject, rawVariables: Readonly<Record<string, unknown>>, path: Array<string | number> = []): ProjectionResult {
    const run = new ProjectionRun(rawVariables, path);
    const output = run.object(this.root, input);
    return { data: output === ERROR_NULL ? null : (output as ResultObject), completionErrors: run.errors };
  }
}

class ProjectionRun {
  readonly errors: GraphQLFormattedError[] = [];

  constructor(
    private readonly variables: Readonly<Record<string, unknown>>,
    private readonly path: Array<string | number>,
  ) {}

  /** The object's projection, or ERROR_NULL when a non-null field of it is null (the null moves up). */
  object(selections: Selections, input: ResultObject): Completed {
    const typename = input.__typename;
    const runtime = typeof typename === 'string' && typename !== '' ? compositeNamed(selections.schema, typename) : undefined;
    const reader = selections.readerFor(runtime);
    // Plain objects filled in one order per reader share a hidden class (null-prototype ones start as
    // dictionaries, slower to fill and to serialize); the one key that would reach the prototype is defined instead.
    const output: ResultObject = {};
    for (const field of reader) {
      if (field.kind === 'typename') {
        let value = Object.prototype.hasOwnProperty.call(input, field.key) ? input[field.key] : undefined;
        if ((value === undefined || value === null) && field.key !== '__typename') value = input.__typename;
        const named = typeof value === 'string' ? (selections.schema.getType(value) ?? field.scope) : field.scope;
        if (!isObjectType(named)) return ERROR_NULL;
        set(output, field.key, named.name);
      } else if (field.kind === 'introspection') {
        set(output, field.key, this.introspect(field, selections));
      } else {
        const value = Object.prototype.hasOwnProperty.call(input, field.key) ? input[field.key] : undefined;
        this.path.push(field.key);
        const completed = this.complete(field.shape, value ?? null, field.scope);
        this.path.pop();
        if (completed === INVALID) return ERROR_NULL;
        set(output, field.key, completed === ERROR_NULL ? null : completed);
      }
    }
    return output;
  }

  private complete(shape: Shape, value: unknown, scope: string): Completed {
    switch (shape.kind) {
      case 'nonNull': {
        const inner = this.complete(shape.of, value, scope);
        if (inner === null) {
          this.error(`Cannot return null for non-nullable ${this.describe(shape.inner, scope)}.`);
          return INVALID;
        }
        return inner === ERROR_NULL || inner === INVALID ? INVALID : inner;
      }
      case 'list': {
        if (value === null) return null;
        if (!Array.isArray(value)) {
          this.error(`Invalid value found for ${this.describe('list', scope)}.`);
          return ERROR_NULL;
        }
        const output = new Array(value.length);
        let nullify = false;
        for (let i = 0; i < value.length; i++) {
          this.path.push(i);
          const item = this.complete(shape.of, value[i] ?? null, scope);
          this.path.pop();
          if (item === INVALID) nullify = true;
          output[i] = item === ERROR_NULL || item === INVALID ? null : item;
        }
        return nullify ? ERROR_NULL : output;
      }
      case 'composite': {
        if (value === null) return null;
        if (typeof value !== 'object' || Array.isArray(value)) {
          this.error(`Invalid value found for ${this.describe(shape.type.name, scope)}.`);
          return ERROR_NULL;
        }
        const typename = (value as ResultObject).__typename;
        if (typename !== undefined && typename !== null && (typeof typename !== 'string' || !compositeNamed(shape.selections.schema, typename))) {
          this.error(`Invalid __typename found for object at ${this.describe(shape.type.name, scope)}.`);
          return ERROR_NULL;
        }
        return this.object(shape.selections, value as ResultObject);
      }
      case 'leaf': {
        if (value === null) return null;
        if (!shape.valid(value)) {
          this.error(`Invalid value found for ${this.describe(shape.type, scope)}.`);
          return ERROR_NULL;
        }
        return value;
      }
    }
  }


  private introspect(field: Extract<CompiledField, { kind: 'introspection' }>, selections: Selections): unknown {
    const schema = selections.schema;
    const result = executeSync({ schema, document: field.document, variableValues: this.variables as Record<string, unknown> });
    return (result.data as ResultObject | null | undefined)?.[field.key] ?? null;
  }

  /** As @apollo/gateway words it: `field Type.key`, or `array element of type T at index i`. */
  private describe(type: string, scope: string): string {
    const last = this.path[this.path.length - 1];
    return typeof last === 'number' ? `array element of type ${type} at index ${last}` : `field ${scope}.${String(last)}`;
  }

  private error(message: string): void {
    this.errors.push({ message, path: [...this.path], extensions: { code: 'INVALID_GRAPHQL' } });
  }
}
