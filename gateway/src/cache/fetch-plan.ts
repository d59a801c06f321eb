import { createHash } from 'node:crypto';
import type { FetchNode } from '@apollo/query-planner';
import {
  Kind,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  print,
  stripIgnoredCharacters,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { CacheScope, CacheSchemaFacts, KeyFields } from './schema-facts';
import { listTag, type CacheTag } from './tags';

/** How long an answer may be reused, and by whom. `maxAge` 0: not at all. */
export interface CachePolicy {
  readonly maxAge: number;
  readonly scope: CacheScope;
}

export const UNCACHEABLE: CachePolicy = { maxAge: 0, scope: 'PUBLIC' };

/** One entity type's part of an `_entities` fetch. */
export interface EntityCachePlan {
  readonly policy: CachePolicy;
  /** Set when the gateway keeps these answers: `e:<subgraph>:<type>:<selection hash>:`; the scope and the representation complete a key. */
  readonly keyPrefix?: string;
}

/**
 * A subgraph fetch as the entity cache sees it, computed once per FetchNode
 * (kept with the compiled fetch, so with the plan): the policy its hints give
 * its answer, key prefixes, and the operation to send when entity keys had to
 * be added to it.
 */
export interface FetchCachePlan {
  readonly kind: 'root' | 'entities' | 'mutation';
  readonly subgraph: string;
  /** The operation with `__typename` and key fields added where entities appear; undefined when it needed none. */
  readonly operation?: string;
  /** A root fetch's policy (Apollo Server's rules over the hints); for entity fetches see `byType`. */
  readonly policy: CachePolicy;
  /** Set when the gateway keeps this root fetch's answers: a query with a maxAge whose entities it can name (a PRIVATE one per caller). */
  readonly rootKeyPrefix?: string;
  /** `list:<Type>` for each entity type the answer holds in a list. */
  readonly listTags: readonly CacheTag[];
  /** Entity fetches: per type in `_entities` (a type missing here has no hint: maxAge 0). */
  readonly byType: ReadonlyMap<string, EntityCachePlan>;
  /** Entity types in the answer whose keys cannot be selected (an alias holds the key's name): a mutation invalidates them by type. */
  readonly unkeyedTypes: readonly string[];
}

/** Accumulates Apollo Server's rule: the least maxAge of every field, PRIVATE if anything is. */
class PolicyBuilder {
  maxAge: number | undefined;
  private = false;

  restrict(maxAge: number | undefined, scope: CacheScope | undefined): void {
    if (maxAge !== undefined) this.maxAge = this.maxAge === undefined ? maxAge : Math.min(this.maxAge, maxAge);
    if (scope === 'PRIVATE') this.private = true;
  }

  policy(): CachePolicy {
    return { maxAge: this.maxAge ?? 0, scope: this.private ? 'PRIVATE' : 'PUBLIC' };
  }
}

interface WalkContext {
  readonly facts: CacheSchemaFacts;
  readonly schema: GraphQLSchema;
  readonly subgraph: string;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  policy: PolicyBuilder;
  readonly lists: Set<string>;
  readonly unkeyed: Set<string>;
  changed: boolean;
}

/**
 * Plans how the cache treats one fetch of a query plan: its policy from the
 * supergraph's `@cacheControl` hints (as Apollo Server computes one: a root
 * field or a field of object type without a hint has maxAge 0 unless it
 * inherits, scalars inherit, the least maxAge wins, one PRIVATE makes the
 * whole PRIVATE; an element with `@authenticated`/`@requiresScopes` makes it
 * PRIVATE too), and the operation made to select `__typename` and a key
 * wherever an entity appears, so that every cached answer (and every mutation
 * answer) names the entities it holds.
 */
export function planFetchCaching(node: FetchNode, facts: CacheSchemaFacts, schema: GraphQLSchema): FetchCachePlan {
  const document = node.operationDocumentNode ?? parse(node.operation);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const base = { subgraph: node.serviceName, listTags: [] as CacheTag[], byType: new Map<string, EntityCachePlan>(), unkeyedTypes: [] as string[] };
  if (!operation) return { ...base, kind: 'root', policy: UNCACHEABLE };
  const context: WalkContext = { facts, schema, subgraph: node.serviceName, fragments, policy: new PolicyBuilder(), lists: new Set(), unkeyed: new Set(), changed: false };
  const kind = node.operationKind === 'mutation' ? 'mutation' : node.requires ? 'entities' : 'root';

  if (kind === 'entities') {
    const builders = new Map<string, PolicyBuilder>();
    const selectionSet = withSelections(operation.selectionSet, operation.selectionSet.selections.map((selection) => entitiesField(selection, context, builders)));
    const sent = context.changed ? printOperation(document, operation, selectionSet) : node.operation;
    const hash = shortHash(sent);
    const byType = new Map<string, EntityCachePlan>();
    for (const [type, builder] of builders) {
      const policy = builder.policy();
      // An answer holding an entity it cannot name cannot be invalidated: not kept.
      const kept = policy.maxAge > 0 && context.unkeyed.size === 0;
      byType.set(type, { policy, ...(kept && { keyPrefix: `e:${node.serviceName}:${type}:${hash}:` }) });
    }
    return { ...base, kind, ...(context.changed && { operation: sent }), policy: UNCACHEABLE, byType, unkeyedTypes: [...context.unkeyed] };
  }

  const rootType = kind === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!rootType) return { ...base, kind, policy: UNCACHEABLE };
  const selectionSet = walkSelectionSet(operation.selectionSet, rootType, context, true);
  const sent = context.changed ? printOperation(document, operation, selectionSet) : node.operation;
  const policy = kind === 'mutation' ? UNCACHEABLE : context.policy.policy();
  const cached = kind === 'root' && policy.maxAge > 0 && context.unkeyed.size === 0;
  return {
    ...base,
    kind,
    ...(context.changed && { operation: sent }),
    policy,
    ...(cached && { rootKeyPrefix: `r:${node.serviceName}:${shortHash(sent)}:` }),
    listTags: [...context.lists].map(listTag),
    unkeyedTypes: [...context.unkeyed],
  };
}

/** `_entities(representations:) { ... on T { … } }`: each type condition is one entity type with its own policy. */
function entitiesField(selection: SelectionNode, context: WalkContext, byType: Map<string, PolicyBuilder>): SelectionNode {
  if (selection.kind !== Kind.FIELD || selection.name.value !== '_entities' || !selection.selectionSet) return selection;
  const selections = selection.selectionSet.selections.map((inner) => {
    const fragment = inner.kind === Kind.FRAGMENT_SPREAD ? context.fragments.get(inner.name.value) : inner.kind === Kind.INLINE_FRAGMENT ? inner : undefined;
    const typeName = fragment?.typeCondition?.name.value;
    const type = typeName ? context.schema.getType(typeName) : undefined;
    if (!fragment || !type || !isCompositeType(type)) return inner;
    const policy = byType.get(type.name) ?? new PolicyBuilder();
    byType.set(type.name, policy);
    // The entity itself: its type's hint, maxAge 0 without one (an object-typed result), PRIVATE when it depends on the caller.
    const hint = context.facts.typeHint(type.name);
    policy.restrict(hint?.maxAge ?? 0, context.facts.dependsOnCaller(type.name) ? 'PRIVATE' : hint?.scope);
    context.policy = policy;
    const selectionSet = walkSelectionSet(fragment.selectionSet, type, context, false);
    const inline: InlineFragmentNode = { kind: Kind.INLINE_FRAGMENT, typeCondition: fragment.typeCondition, directives: fragment.directives, selectionSet };
    return selectionSet === fragment.selectionSet && inner.kind === Kind.INLINE_FRAGMENT ? inner : inline;
  });
  return { ...selection, selectionSet: withSelections(selection.selectionSet, selections) };
}

/** Restricts the policy by every field, and adds keys where entities appear; returns the set unchanged when nothing was added. */
function walkSelectionSet(selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, context: WalkContext, root: boolean): SelectionSetNode {
  const selections = selectionSet.selections.map((selection): SelectionNode => {
    switch (selection.kind) {
      case Kind.FIELD:
        return walkField(selection, parentType, context, root);
      case Kind.INLINE_FRAGMENT: {
        const type = selection.typeCondition ? context.schema.getType(selection.typeCondition.name.value) : parentType;
        if (!type || !isCompositeType(type)) return selection;
        const inner = walkSelectionSet(selection.selectionSet, type, context, root);
        return inner === selection.selectionSet ? selection : { ...selection, selectionSet: inner };
      }
      case Kind.FRAGMENT_SPREAD: {
        // Inlined, so that keys added inside apply to this use only.
        const fragment = context.fragments.get(selection.name.value);
        const type = fragment && context.schema.getType(fragment.typeCondition.name.value);
        if (!fragment || !type || !isCompositeType(type)) return selection;
        const inner = walkSelectionSet(fragment.selectionSet, type, context, root);
        if (inner === fragment.selectionSet) return selection;
        return { kind: Kind.INLINE_FRAGMENT, typeCondition: fragment.typeCondition, directives: selection.directives, selectionSet: inner };
      }
    }
  });
  return withSelections(selectionSet, selections);
}

function walkField(field: FieldNode, parentType: GraphQLCompositeType, context: WalkContext, root: boolean): FieldNode {
  const name = field.name.value;
  if (name === '__typename') return field;
  const definition = 'getFields' in parentType ? parentType.getFields()[name] : undefined;
  if (!definition) {
    // A field the supergraph does not know (a subgraph-only one): nothing says it may be cached.
    context.policy.restrict(0, undefined);
    return field;
  }
  const target = getNamedType(definition.type);
  const composite = isCompositeType(target);
  const { facts } = context;
  const typeHint = composite ? facts.typeHint(target.name) : undefined;
  const fieldHint = facts.fieldHint(parentType.name, name);
  let maxAge = fieldHint?.maxAge ?? typeHint?.maxAge;
  const inherits = fieldHint?.inheritMaxAge === true || (fieldHint?.maxAge === undefined && typeHint?.inheritMaxAge === true);
  if (maxAge === undefined && ((composite && !inherits) || root)) maxAge = 0;
  const callerDependent = facts.dependsOnCaller(parentType.name, name) || (composite && facts.dependsOnCaller(target.name));
  context.policy.restrict(maxAge, callerDependent ? 'PRIVATE' : (fieldHint?.scope ?? typeHint?.scope));
  if (!composite || !field.selectionSet) return field;

  for (const listed of listedEntities(definition.type, target, context)) context.lists.add(listed);
  let selectionSet = walkSelectionSet(field.selectionSet, target, context, false);
  selectionSet = withEntityKeys(selectionSet, target, context);
  return selectionSet === field.selectionSet ? field : { ...field, selectionSet };
}

function entityTypesOf(type: GraphQLCompositeType, context: WalkContext): string[] {
  const candidates = isObjectType(type) ? [type] : context.schema.getPossibleTypes(type);
  return candidates.filter((t) => context.facts.isEntity(t.name)).map((t) => t.name);
}

/**
 * The entity types whose membership a field's value depends on: a list of
 * entities, or an object holding one (a connection's `nodes`, read for its
 * `totalCount` too). Answers get `list:<Type>` for each, so an event or a
 * mutation that adds an entity invalidates them.
 */
function listedEntities(fieldType: GraphQLOutputType, target: GraphQLCompositeType, context: WalkContext): string[] {
  if (hasList(fieldType)) return entityTypesOf(target, context);
  if (!isObjectType(target)) return [];
  const listed: string[] = [];
  for (const field of Object.values(target.getFields())) {
    const named = getNamedType(field.type);
    if (hasList(field.type) && isCompositeType(named)) listed.push(...entityTypesOf(named, context));
  }
  return listed;
}

function hasList(type: GraphQLOutputType): boolean {
  let current: GraphQLOutputType = type;
  for (;;) {
    if (isListType(current)) return true;
    if (isNonNullType(current)) current = current.ofType;
    else return false;
  }
}

/**
 * Makes sure an entity's selection carries `__typename` and one of its keys
 * (as the subgraph declares it), so the answer names it; for an abstract type
 * one inline fragment per entity type that may appear. An alias that already
 * holds one of those names makes the entity unkeyed.
 */
function withEntityKeys(selectionSet: SelectionSetNode, type: GraphQLCompositeType, context: WalkContext): SelectionSetNode {
  const candidates = isObjectType(type) ? [type] : isAbstractType(type) ? context.schema.getPossibleTypes(type) : [];
  // Only the types this subgraph knows: an inline fragment on another would not validate there.
  const entities = candidates.filter((t) => context.facts.isEntity(t.name) && context.facts.hasType(context.subgraph, t.name));
  if (entities.length === 0) return selectionSet;
  const taken = responseKeys(selectionSet);
  const added: SelectionNode[] = [];
  const typename = taken.get('__typename');
  if (typename === undefined) added.push(fieldNode('__typename'));
  else if (typename !== '__typename') {
    for (const entity of entities) context.unkeyed.add(entity.name);
    return selectionSet;
  }
  for (const entity of entities) {
    const key = context.facts.keysIn(context.subgraph, entity.name)?.[0];
    if (!key) {
      context.unkeyed.add(entity.name);
      continue;
    }
    const fields: SelectionNode[] = [];
    for (const keyField of key) {
      const holder = taken.get(keyField.name);
      // Aliased away (or a field with arguments under that name): the answer cannot name this entity for sure.
      if (holder !== undefined && holder !== keyField.name) context.unkeyed.add(entity.name);
      // Missing, or a nested key whose inner fields may be missing: selected (GraphQL merges same-name fields).
      else if (holder === undefined || keyField.fields) fields.push(keyFieldNode(keyField));
    }
    if (fields.length === 0) continue;
    if (isObjectType(type)) added.push(...fields);
    else added.push({ kind: Kind.INLINE_FRAGMENT, typeCondition: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: entity.name } }, selectionSet: { kind: Kind.SELECTION_SET, selections: fields } });
  }
  if (added.length === 0) return selectionSet;
  context.changed = true;
  return { ...selectionSet, selections: [...selectionSet.selections, ...added] };
}

/** Response key -> the field name behind it, through inline fragments (spreads are inlined before). */
function responseKeys(selectionSet: SelectionSetNode, into = new Map<string, string>()): Map<string, string> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      // A field with arguments is not the key field even under its name.
      const plain = !selection.arguments || selection.arguments.length === 0;
      into.set(key, plain ? selection.name.value : `${selection.name.value}(…)`);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      responseKeys(selection.selectionSet, into);
    }
  }
  return into;
}

function fieldNode(name: string): FieldNode {
  return { kind: Kind.FIELD, name: { kind: Kind.NAME, value: name } };
}

function keyFieldNode(field: KeyFields[number]): FieldNode {
  if (!field.fields) return fieldNode(field.name);
  return { ...fieldNode(field.name), selectionSet: { kind: Kind.SELECTION_SET, selections: field.fields.map(keyFieldNode) } };
}

function withSelections(selectionSet: SelectionSetNode, selections: readonly SelectionNode[]): SelectionSetNode {
  return selections.every((s, i) => s === selectionSet.selections[i]) ? selectionSet : { ...selectionSet, selections };
}

/** The operation with its new selections, and the fragments still spread in it (those whose every use was inlined are dropped). */
function printOperation(document: DocumentNode, operation: OperationDefinitionNode, selectionSet: SelectionSetNode): string {
  const all = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, print(f)]));
  const texts = [print({ ...operation, selectionSet })];
  const kept = new Set<string>();
  for (let i = 0; i < texts.length; i++) {
    for (const match of texts[i].matchAll(/\.\.\.\s*([_A-Za-z][_0-9A-Za-z]*)/g)) {
      const name = match[1];
      if (name === 'on' || kept.has(name) || !all.has(name)) continue;
      kept.add(name);
      texts.push(all.get(name)!);
    }
  }
  return stripIgnoredCharacters(texts.join('\n'));
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}
