import {
  Kind,
  getNamedType,
  isCompositeType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';

const FRAGMENT_PREFIX = '... on ';

/**
 * The type a planner query path leads to in an operation (`['p', 'nodes']`,
 * response names and `... on T` steps): where a deferred fragment's
 * subselection is read. Walks the operation's own selections, so aliases
 * and fields found inside fragments resolve as the client wrote them.
 */
export function typeAtQueryPath(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, queryPath: readonly string[]): GraphQLCompositeType {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  let type = schema.getRootType(operation.operation) as GraphQLCompositeType;
  let selections: readonly SelectionNode[] = operation.selectionSet.selections;
  for (const element of queryPath) {
    if (element.startsWith(FRAGMENT_PREFIX)) {
      type = compositeNamed(schema, element.slice(FRAGMENT_PREFIX.length));
      continue;
    }
    const found = fieldsWithKey(schema, fragments, selections, element, type);
    if (found.length === 0) throw new Error(`query path ${queryPath.join('.')}: no field "${element}" on ${type.name}`);
    const [{ node, scope }] = found;
    const definition = 'getFields' in scope ? scope.getFields()[node.name.value] : undefined;
    if (!definition) throw new Error(`query path ${queryPath.join('.')}: ${scope.name} has no field ${node.name.value}`);
    type = compositeNamed(schema, getNamedType(definition.type).name);
    selections = found.flatMap((f) => f.node.selectionSet?.selections ?? []);
  }
  return type;
}

function compositeNamed(schema: GraphQLSchema, name: string): GraphQLCompositeType {
  const type = schema.getType(name);
  if (!type || !isCompositeType(type)) throw new Error(`query path: ${name} is not a composite type`);
  return type;
}

/** The fields answering to `key` in a selection set, fragments included, each with the type it is selected on. */
function fieldsWithKey(
  schema: GraphQLSchema,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  selections: readonly SelectionNode[],
  key: string,
  scope: GraphQLCompositeType,
): Array<{ node: FieldNode; scope: GraphQLCompositeType }> {
  const found: Array<{ node: FieldNode; scope: GraphQLCompositeType }> = [];
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      if ((selection.alias?.value ?? selection.name.value) === key) found.push({ node: selection, scope });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const inner = selection.typeCondition ? compositeNamed(schema, selection.typeCondition.name.value) : scope;
      found.push(...fieldsWithKey(schema, fragments, selection.selectionSet.selections, key, inner));
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment) found.push(...fieldsWithKey(schema, fragments, fragment.selectionSet.selections, key, compositeNamed(schema, fragment.typeCondition.name.value)));
    }
  }
  return found;
}
