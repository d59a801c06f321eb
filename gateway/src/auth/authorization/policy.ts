import { importedDirectiveName } from '../../../../lib/graphql/link-imports';
import {
  Kind,
  parse,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { Caller, Requirement } from './types';

export type { Requirement } from './types';

/**
 * What the supergraph requires, read once per schema. Requirements are
 * interned (each distinct one has an index in `requirements`), so the
 * Authorizer can describe a caller by which indices it satisfies.
 */
export interface AccessPolicy {
  /** No directive anywhere: the Authorizer can skip every operation. */
  readonly isEmpty: boolean;
  readonly requirements: ReadonlyArray<Requirement>;
  /** Requirement indices of a type (object, interface, scalar, enum), by type name. */
  readonly ofType: ReadonlyMap<string, ReadonlyArray<number>>;
  /** Requirement indices of a field definition, by coordinate 'Type.field'. */
  readonly ofField: ReadonlyMap<string, ReadonlyArray<number>>;
}

const AUTHENTICATED_SPEC = /^https:\/\/specs\.apollo\.dev\/authenticated\/v\d+\.\d+$/;
const REQUIRES_SCOPES_SPEC = /^https:\/\/specs\.apollo\.dev\/requiresScopes\/v\d+\.\d+$/;

export function satisfies(requirement: Requirement, caller: Caller): boolean {
  if (requirement.kind === 'authenticated') return caller.authenticated;
  return requirement.anyOf.some((group) => group.every((scope) => caller.scopes.has(scope)));
}

/**
 * Reads @authenticated and @requiresScopes from the original supergraph SDL
 * (the one still carrying its `for: SECURITY` links). Only types and fields
 * of the API schema count: anything else cannot be queried.
 */
export function readAccessPolicy(supergraphSdl: string, apiSchema: GraphQLSchema): AccessPolicy {
  const document = parse(supergraphSdl, { noLocation: true });
  const names = directiveNames(document);
  const requirements: Requirement[] = [];
  const interned = new Map<string, number>();
  const intern = (requirement: Requirement): number => {
    const key = JSON.stringify(requirement);
    let index = interned.get(key);
    if (index === undefined) {
      index = requirements.push(requirement) - 1;
      interned.set(key, index);
    }
    return index;
  };
  const requirementsOf = (directives: ReadonlyArray<ConstDirectiveNode> | undefined): number[] => {
    const found = new Set<number>();
    for (const directive of directives ?? []) {
      if (directive.name.value === names.authenticated) found.add(intern({ kind: 'authenticated' }));
      if (directive.name.value === names.requiresScopes) found.add(intern(scopesRequirement(directive)));
    }
    return [...found].sort((a, b) => a - b);
  };

  const ofType = new Map<string, number[]>();
  const ofField = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, found: number[]) => {
    if (found.length === 0) return;
    map.set(key, [...new Set([...(map.get(key) ?? []), ...found])].sort((a, b) => a - b));
  };
  for (const definition of document.definitions) {
    if (!isRestrictableType(definition)) continue;
    const typeName = definition.name.value;
    const type = apiSchema.getType(typeName);
    if (!type) continue;
    add(ofType, typeName, requirementsOf(definition.directives));
    if (!('fields' in definition) || !('getFields' in type)) continue;
    const apiFields = type.getFields();
    for (const field of definition.fields ?? []) {
      if (field.name.value in apiFields) add(ofField, `${typeName}.${field.name.value}`, requirementsOf(field.directives));
    }
  }
  return { isEmpty: requirements.length === 0, requirements, ofType, ofField };
}

type RestrictableType = Extract<
  DefinitionNode,
  {
    kind:
      | Kind.OBJECT_TYPE_DEFINITION
      | Kind.OBJECT_TYPE_EXTENSION
      | Kind.INTERFACE_TYPE_DEFINITION
      | Kind.INTERFACE_TYPE_EXTENSION
      | Kind.SCALAR_TYPE_DEFINITION
      | Kind.SCALAR_TYPE_EXTENSION
      | Kind.ENUM_TYPE_DEFINITION
      | Kind.ENUM_TYPE_EXTENSION;
  }
>;

function isRestrictableType(definition: DefinitionNode): definition is RestrictableType {
  switch (definition.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.OBJECT_TYPE_EXTENSION:
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_EXTENSION:
    case Kind.SCALAR_TYPE_DEFINITION:
    case Kind.SCALAR_TYPE_EXTENSION:
    case Kind.ENUM_TYPE_DEFINITION:
    case Kind.ENUM_TYPE_EXTENSION:
      return true;
    default:
      return false;
  }
}

/**
 * The local names of the two directives. A link may rename the whole feature
 * (`as: "auth"` makes its root directive `@auth`) or import the directive
 * under another name (`import: [{ name: "@authenticated", as: "@auth" }]`);
 * without a link the default names apply. (The @link directive itself is
 * assumed to be called `link`, as composition always writes it.)
 */
function directiveNames(document: DocumentNode): { authenticated: string; requiresScopes: string } {
  const names = { authenticated: 'authenticated', requiresScopes: 'requiresScopes' };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = stringArgument(link, 'url');
      if (url === undefined) continue;
      if (AUTHENTICATED_SPEC.test(url)) names.authenticated = linkedName(link, 'authenticated');
      if (REQUIRES_SCOPES_SPEC.test(url)) names.requiresScopes = linkedName(link, 'requiresScopes');
    }
  }
  return names;
}

function linkedName(link: ConstDirectiveNode, directive: string): string {
  const imports = link.arguments?.find((a) => a.name.value === 'import')?.value;
  return importedDirectiveName(imports, directive) ?? stringArgument(link, 'as') ?? directive;
}

function stringArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

/** `scopes: [["a", "b"], ["c"]]`, normalised so equal requirements intern to one index. */
function scopesRequirement(directive: ConstDirectiveNode): Requirement {
  const value = directive.arguments?.find((a) => a.name.value === 'scopes')?.value;
  const groups = listOf(value).map((group) => [...new Set(listOf(group).flatMap(scopeName))].sort());
  const unique = [...new Map(groups.map((g) => [JSON.stringify(g), g])).values()];
  unique.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return { kind: 'scopes', anyOf: unique };
}

/** Input coercion: a single value where a list is expected is a list of one. */
function listOf(value: ConstValueNode | undefined): ConstValueNode[] {
  if (value === undefined) return [];
  return value.kind === Kind.LIST ? [...value.values] : [value];
}

function scopeName(value: ConstValueNode): string[] {
  return value.kind === Kind.STRING ? [value.value] : [];
}
