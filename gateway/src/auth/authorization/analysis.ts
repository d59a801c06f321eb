import {
  Kind,
  getNamedType,
  isCompositeType,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { AccessPolicy } from './policy';

/**
 * A place in the document that carries requirements: a field (its own and its
 * return type's), an inline fragment or a fragment definition (its type
 * condition's). Requirements depend on the node only, never on where a
 * fragment is spread, so each node is looked at once.
 */
export interface Site {
  /** Position in walk order: stable for a given document text. */
  readonly index: number;
  readonly requirements: ReadonlyArray<number>;
}

/** Which requirements one operation of one document touches, and where. */
export interface OperationAnalysis {
  readonly document: DocumentNode;
  /** Undefined when the operation cannot be resolved; execution reports that, not us. */
  readonly operation: OperationDefinitionNode | undefined;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly sites: ReadonlyMap<ASTNode, Site>;
  /** Requirement indices touched anywhere in the operation, ascending. */
  readonly requirements: ReadonlyArray<number>;
}

export function analyseOperation(
  document: DocumentNode,
  operationName: string | undefined,
  policy: AccessPolicy,
  schema: GraphQLSchema,
): OperationAnalysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = operationName
    ? operations.find((o) => o.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  const sites = new Map<ASTNode, Site>();
  const touched = new Set<number>();
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return { document, operation: undefined, fragments, sites, requirements: [] };

  const mark = (node: ASTNode, requirements: ReadonlyArray<number>) => {
    if (requirements.length === 0) return;
    sites.set(node, { index: sites.size, requirements });
    for (const r of requirements) touched.add(r);
  };
  const ofType = (name: string) => policy.ofType.get(name) ?? [];
  const visitedFragments = new Set<string>();

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename' || !('getFields' in parent)) continue;
        const definition = parent.getFields()[name];
        if (!definition) continue; // introspection, or an unvalidated document
        const returned = getNamedType(definition.type);
        mark(selection, union(policy.ofField.get(`${parent.name}.${name}`), ofType(returned.name), parent === root ? ofType(root.name) : []));
        if (selection.selectionSet && isCompositeType(returned)) walk(selection.selectionSet, returned);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (!isCompositeType(condition)) continue;
        if (selection.typeCondition) mark(selection, ofType(condition.name));
        walk(selection.selectionSet, condition);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visitedFragments.has(name)) continue;
        visitedFragments.add(name);
        const condition = schema.getType(fragment.typeCondition.name.value);
        if (!isCompositeType(condition)) continue;
        mark(fragment, ofType(condition.name));
        walk(fragment.selectionSet, condition);
      }
    }
  };
  walk(operation.selectionSet, root);
  return { document, operation, fragments, sites, requirements: [...touched].sort((a, b) => a - b) };
}

function union(...lists: ReadonlyArray<ReadonlyArray<number> | undefined>): number[] {
  const all = new Set<number>();
  for (const list of lists) for (const r of list ?? []) all.add(r);
  return [...all].sort((a, b) => a - b);
}
