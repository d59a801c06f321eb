import {
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInputObjectType,
  isListType,
  isObjectType,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { CostErrorCode, CostLimitError } from './errors';
import type { InputCosts } from './inputs';
import type { CostPolicy } from './policy';

/** A `@skip`/`@include` on a variable: the selection counts iff the variable's value is `include`. */
export interface Condition {
  readonly variable: string;
  readonly include: boolean;
}

/**
 * When a selection runs: every `when` condition holds, and no `unless`
 * clause holds entirely. `unless` holds the conditions of earlier spreads
 * of the same fragment at the same level: when they held, execution
 * already expanded that fragment there and skips it here.
 */
export interface Guard {
  readonly when: ReadonlyArray<Condition>;
  readonly unless: ReadonlyArray<ReadonlyArray<Condition>>;
}

/**
 * Where a slicing argument's value comes from, resolved as far as the
 * document allows: a constant (literal, or the schema default of an omitted
 * argument), or a variable (the schema default applying when it is absent).
 */
export type ValueSource =
  | { readonly kind: 'constant'; readonly value: unknown }
  | {
      readonly kind: 'variable';
      readonly name: string;
      /** Input fields to descend into, for slicing arguments like `filter.max`. */
      readonly path: ReadonlyArray<string>;
      readonly type: GraphQLInputType;
      readonly schemaDefault: unknown;
    };

/** `@listSize` of a selected field, with its slicing arguments resolved against the selection. */
export interface Sizing {
  readonly coordinate: string;
  readonly slicingArguments: ReadonlyArray<string>;
  readonly slicing: ReadonlyArray<ValueSource>;
  readonly assumedSize: number | undefined;
  readonly sizedFields: ReadonlyArray<string>;
  readonly requireOneSlicingArgument: boolean;
}

/** An argument whose cost depends on variables: its value is rebuilt from them and costed. */
export interface ArgumentTerm {
  readonly value: ValueNode;
  readonly type: GraphQLInputType;
  readonly weight: number;
}

/**
 * One field selection, fragments already spread into its level: it carries
 * the `@skip`/`@include` conditions of the fragments it came through and,
 * under an interface or union, the concrete types it applies to.
 */
export interface FieldPlan {
  /** Response key: the alias, else the name. */
  readonly key: string;
  readonly name: string;
  readonly guard: Guard;
  /** Concrete types of the parent this selection applies to; null for all of them. */
  readonly types: ReadonlySet<string> | null;
  /** `__typename` and introspection: no cost. */
  readonly free: boolean;
  /** Per value returned (each list item): the field's @cost, else its type's, else 1 for objects, 0 for leaves. */
  readonly weight: number;
  /** Once per selection: the mutation base cost of a mutation root field. */
  readonly base: number;
  /** Once per selection: weights of the literal arguments given. */
  readonly argumentCost: number;
  readonly argumentTerms: ReadonlyArray<ArgumentTerm>;
  /** How many list levels wrap the type (`[[Cell]]` is 2). */
  readonly listDepth: number;
  readonly sizing: Sizing | null;
  readonly children: SetPlan | null;
}

/** A selection set with its fragments spread: what one object of the parent type is asked for. */
export interface SetPlan {
  readonly fields: ReadonlyArray<FieldPlan>;
  /** Response keys of `__typename` selections: tell actualCost the runtime type of an object. */
  readonly typenameKeys: ReadonlyArray<string>;
}

/** One operation of one document, compiled once; estimating it per variables never touches the AST again. */
export interface OperationPlan {
  readonly root: SetPlan;
  /** Variables whose values change the cost (conditions, slicing arguments, weighted arguments), sorted. */
  readonly variables: ReadonlyArray<string>;
  /** Operation defaults of those variables, for when a request omits them. */
  readonly variableDefaults: ReadonlyMap<string, unknown>;
}

export interface CompileSettings {
  readonly mutationBaseCost: number;
  readonly maxSelections: number;
}

const SKIPPED = Symbol('skipped');
const IMPOSSIBLE = Symbol('impossible');
const ALWAYS: Guard = { when: [], unless: [] };

/** Finds the operation to run, as execution does; undefined when the document does not say which. */
export function findOperation(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode | undefined {
  let found: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName === undefined) {
      if (found) return undefined;
      found = definition;
    } else if (definition.name?.value === operationName) {
      return definition;
    }
  }
  return found;
}

/**
 * Compiles an operation: every selection set once (fragments spread in
 * place, the way execution collects fields), weights and list sizes looked
 * up once. Throws MAX_SELECTIONS_EXCEEDED before a fragment bomb can make
 * the plan itself large.
 */
export function compileOperation(
  operation: OperationDefinitionNode,
  document: DocumentNode,
  schema: GraphQLSchema,
  policy: CostPolicy,
  inputs: InputCosts,
  settings: CompileSettings,
): OperationPlan | undefined {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return undefined;
  const compiler = new Compiler(document, schema, policy, inputs, settings);
  const base = operation.operation === 'mutation' ? settings.mutationBaseCost : 0;
  const root = compiler.compileSet(operation.selectionSet, rootType, base);

  const variableDefaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (compiler.variables.has(name) && definition.defaultValue) {
      variableDefaults.set(name, valueFromASTUntyped(definition.defaultValue));
    }
  }
  return {
    root,
    variables: [...compiler.variables].sort(),
    variableDefaults,
  };
}

/** A fragment spread of one level, remembered to expand each fragment once per level as execution does. */
interface Spread {
  readonly name: string;
  readonly guard: Guard;
  readonly types: ReadonlySet<string> | null;
}

/** One selection set being compiled, fragments spread into it. */
interface Level {
  /** Static type of the selection set; null inside introspection. */
  readonly type: GraphQLCompositeType | null;
  /** Mutation base cost of each field, for the root level of a mutation. */
  readonly base: number;
  readonly fields: FieldPlan[];
  readonly spreads: Spread[];
}

class Compiler {
  /** Variables whose values change the cost. */
  readonly variables = new Set<string>();
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly sets = new Map<SelectionSetNode, SetPlan>();
  private readonly possible = new Map<GraphQLCompositeType, ReadonlySet<string>>();
  private readonly spreading = new Set<string>();
  private selections = 0;

  constructor(
    document: DocumentNode,
    private readonly schema: GraphQLSchema,
    private readonly policy: CostPolicy,
    private readonly inputs: InputCosts,
    private readonly settings: CompileSettings,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  /**
   * `type` is the static type of the selection set; null inside
   * introspection, which costs nothing.
   * Selection sets are compiled once each: a fragment spread in many places
   * shares the plans of its fields' children.
   */
  compileSet(selectionSet: SelectionSetNode, type: GraphQLCompositeType | null, base = 0): SetPlan {
    const known = this.sets.get(selectionSet);
    if (known) return known;
    const level: Level = { type, base, fields: [], spreads: [] };
    this.collect(selectionSet, level, type, null, ALWAYS);
    const plan: SetPlan = {
      fields: level.fields,
      typenameKeys: level.fields.filter((f) => f.name === '__typename').map((f) => f.key),
    };
    this.sets.set(selectionSet, plan);
    return plan;
  }

  /**
   * Adds the fields of `selectionSet` to the level. `staticType` is the type
   * they are written against (a fragment's condition), `types` the concrete
   * types of the level they apply to (null: all), `guard` the conditions of
   * the fragments on the way.
   */
  private collect(
    selectionSet: SelectionSetNode,
    level: Level,
    staticType: GraphQLCompositeType | null,
    types: ReadonlySet<string> | null,
    guard: Guard,
  ): void {
    const levelType = level.type;
    for (const selection of selectionSet.selections) {
      const own = this.conditionsOf(selection.directives, levelType !== null);
      if (own === SKIPPED) continue;
      let applied = own.length === 0 ? guard : { when: [...guard.when, ...own], unless: guard.unless };
      if (selection.kind === Kind.FIELD) {
        if (++this.selections > this.settings.maxSelections) {
          throw new CostLimitError(
            CostErrorCode.MaxSelectionsExceeded,
            `The operation selects more than ${this.settings.maxSelections} fields once its fragments are spread.`,
            { maxSelections: this.settings.maxSelections },
          );
        }
        level.fields.push(this.field(selection, level, staticType, types, applied));
        continue;
      }
      let fragmentName: string | undefined;
      let fragment: InlineFragmentNode | FragmentDefinitionNode;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        fragment = selection;
      } else {
        fragmentName = selection.name.value;
        const definition = this.fragments.get(fragmentName);
        if (!definition || this.spreading.has(fragmentName)) continue; // unknown or cyclic: validation reports it
        fragment = definition;
      }
      const conditionType = fragment.typeCondition ? this.schema.getType(fragment.typeCondition.name.value) : staticType;
      if (levelType !== null && !isCompositeType(conditionType)) continue;
      const narrowed = levelType === null ? null : this.narrow(levelType, types, conditionType as GraphQLCompositeType);
      if (narrowed === IMPOSSIBLE) continue;
      if (fragmentName !== undefined) {
        // Execution expands a fragment once per level. A repeat is dropped
        // when an earlier spread reaching the same types surely ran
        // whenever this one would; otherwise it runs unless the earlier did.
        const name = fragmentName;
        const earlier = level.spreads.filter((s) => s.name === name && covers(s.types, narrowed) && clausesWithin(s.guard.unless, applied.unless));
        if (earlier.some((s) => conditionsWithin(s.guard.when, applied.when))) continue;
        if (earlier.length > 0) applied = { when: applied.when, unless: [...applied.unless, ...earlier.map((s) => s.guard.when)] };
        level.spreads.push({ name, guard: applied, types: narrowed });
        this.spreading.add(name);
      }
      const innerType = levelType === null ? null : (conditionType as GraphQLCompositeType);
      this.collect(fragment.selectionSet, level, innerType, narrowed, applied);
      if (fragmentName !== undefined) this.spreading.delete(fragmentName);
    }
  }

  private field(
    node: FieldNode,
    level: Level,
    parent: GraphQLCompositeType | null,
    types: ReadonlySet<string> | null,
    guard: Guard,
  ): FieldPlan {
    const name = node.name.value;
    const definition: GraphQLField<unknown, unknown> | undefined =
      parent && 'getFields' in parent ? parent.getFields()[name] : undefined;
    const key = node.alias?.value ?? name;
    if (!parent || !definition) {
      // __typename, __schema, __type (and anything unknown, which
      // validation reports): free, but their selections still nest.
      const children = node.selectionSet ? this.compileSet(node.selectionSet, null) : null;
      return { key, name, guard, types, free: true, weight: 0, base: 0, argumentCost: 0, argumentTerms: [], listDepth: 0, sizing: null, children };
    }
    const coordinate = `${parent.name}.${name}`;
    const returned = getNamedType(definition.type);
    const weight =
      this.policy.fieldWeights.get(coordinate) ?? this.policy.typeWeights.get(returned.name) ?? (isCompositeType(returned) ? 1 : 0);
    const { argumentCost, argumentTerms } = this.argumentsOf(node, definition, coordinate);
    const children = node.selectionSet && isCompositeType(returned) ? this.compileSet(node.selectionSet, returned) : null;
    return {
      key,
      name,
      guard,
      types,
      free: false,
      weight,
      base: level.base,
      argumentCost,
      argumentTerms,
      listDepth: listDepthOf(definition.type),
      sizing: this.sizingOf(node, definition, coordinate),
      children,
    };
  }

  /** Arguments given in the document: their weights when literal, a term to cost per request when they hold variables. */
  private argumentsOf(node: FieldNode, definition: GraphQLField<unknown, unknown>, coordinate: string) {
    let argumentCost = 0;
    const argumentTerms: ArgumentTerm[] = [];
    for (const argument of node.arguments ?? []) {
      const argumentDefinition = definition.args.find((a) => a.name === argument.name.value);
      if (!argumentDefinition) continue;
      const weight = this.policy.argumentWeights.get(`${coordinate}(${argumentDefinition.name}:)`) ?? 0;
      if (weight === 0 && !this.inputs.isWeighted(argumentDefinition.type)) continue;
      const variables = variablesIn(argument.value);
      if (variables.length === 0) {
        argumentCost += this.inputs.ofValue(valueFromASTUntyped(argument.value), argumentDefinition.type, weight);
      } else {
        for (const variable of variables) this.variables.add(variable);
        argumentTerms.push({ value: argument.value, type: argumentDefinition.type, weight });
      }
    }
    return { argumentCost, argumentTerms };
  }

  private sizingOf(node: FieldNode, definition: GraphQLField<unknown, unknown>, coordinate: string): Sizing | null {
    const listSize = this.policy.listSizes.get(coordinate);
    if (!listSize) return null;
    const slicing = listSize.slicingArguments.map((path) => {
      const [head, ...rest] = path.split('.');
      const argument = definition.args.find((a) => a.name === head);
      if (!argument) return { kind: 'constant', value: undefined } as const;
      const given = node.arguments?.find((a) => a.name.value === head)?.value;
      return this.sourceOf(given, rest, argument.type, argument.defaultValue);
    });
    return {
      coordinate,
      slicingArguments: listSize.slicingArguments,
      slicing,
      assumedSize: listSize.assumedSize,
      sizedFields: listSize.sizedFields,
      requireOneSlicingArgument: listSize.requireOneSlicingArgument,
    };
  }

  private sourceOf(node: ValueNode | undefined, path: string[], type: GraphQLInputType, schemaDefault: unknown): ValueSource {
    if (node === undefined) return { kind: 'constant', value: valueAtPath(schemaDefault, path, type) };
    if (node.kind === Kind.VARIABLE) {
      this.variables.add(node.name.value);
      return { kind: 'variable', name: node.name.value, path, type, schemaDefault };
    }
    if (path.length === 0) return { kind: 'constant', value: valueFromASTUntyped(node) };
    const inputType = getNullableType(type);
    const field = isInputObjectType(inputType) ? inputType.getFields()[path[0]] : undefined;
    if (node.kind !== Kind.OBJECT || !field) return { kind: 'constant', value: undefined };
    const given = node.fields.find((f) => f.name.value === path[0])?.value;
    return this.sourceOf(given, path.slice(1), field.type, field.defaultValue);
  }

  /** `@skip`/`@include`: literal ones decided now, variable ones kept as conditions (outside introspection). */
  private conditionsOf(directives: ReadonlyArray<DirectiveNode> | undefined, costed: boolean): ReadonlyArray<Condition> | typeof SKIPPED {
    let found: Condition[] | undefined;
    for (const directive of directives ?? []) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const include = name === 'include';
      const value = directive.arguments?.find((a) => a.name.value === 'if')?.value;
      if (value?.kind === Kind.BOOLEAN) {
        if (value.value !== include) return SKIPPED;
      } else if (value?.kind === Kind.VARIABLE && costed) {
        this.variables.add(value.name.value);
        (found ??= []).push({ variable: value.name.value, include });
      }
    }
    return found ?? ALWAYS.when;
  }

  /**
   * The concrete types a fragment on `condition` applies to, within a level
   * of static type `levelType` already narrowed to `types`: null when that is
   * every possible type of the level.
   */
  private narrow(
    levelType: GraphQLCompositeType,
    types: ReadonlySet<string> | null,
    condition: GraphQLCompositeType,
  ): ReadonlySet<string> | null | typeof IMPOSSIBLE {
    const reachable = types ?? this.possibleTypes(levelType);
    const ofCondition = this.possibleTypes(condition);
    const both = new Set([...reachable].filter((t) => ofCondition.has(t)));
    if (both.size === 0) return IMPOSSIBLE;
    if (both.size === reachable.size) return types;
    return both;
  }

  private possibleTypes(type: GraphQLCompositeType): ReadonlySet<string> {
    let names = this.possible.get(type);
    if (!names) {
      names = new Set(isObjectType(type) ? [type.name] : this.schema.getPossibleTypes(type).map((t) => t.name));
      this.possible.set(type, names);
    }
    return names;
  }
}

function listDepthOf(type: GraphQLOutputType): number {
  let depth = 0;
  for (let t = getNullableType(type); isListType(t); t = getNullableType(t.ofType)) depth++;
  return depth;
}

/**
 * The value at `path` inside an input value, input-field defaults filling
 * what an object omits. No object, no value: a default inside an input
 * object that was not given at all does not apply.
 */
export function valueAtPath(value: unknown, path: ReadonlyArray<string>, type: GraphQLInputType): unknown {
  let current = value;
  let currentType = type;
  for (const segment of path) {
    const inputType = getNullableType(currentType);
    const field = isInputObjectType(inputType) ? inputType.getFields()[segment] : undefined;
    if (!field || current === null || typeof current !== 'object') return undefined;
    const holder = current as Record<string, unknown>;
    current = Object.hasOwn(holder, segment) ? holder[segment] : field.defaultValue;
    currentType = field.type;
  }
  return current;
}

function variablesIn(value: ValueNode): string[] {
  switch (value.kind) {
    case Kind.VARIABLE:
      return [value.name.value];
    case Kind.LIST:
      return value.values.flatMap(variablesIn);
    case Kind.OBJECT:
      return value.fields.flatMap((f) => variablesIn(f.value));
    default:
      return [];
  }
}

function conditionsWithin(smaller: ReadonlyArray<Condition>, larger: ReadonlyArray<Condition>): boolean {
  return smaller.every((c) => larger.some((d) => d.variable === c.variable && d.include === c.include));
}

/** Unless clauses are passed down by reference, so identity tells them apart. */
function clausesWithin(smaller: Guard['unless'], larger: Guard['unless']): boolean {
  return smaller.every((clause) => larger.includes(clause));
}

function covers(earlier: ReadonlySet<string> | null, later: ReadonlySet<string> | null): boolean {
  if (earlier === null) return true;
  return later !== null && [...later].every((t) => earlier.has(t));
}
