import {
  Kind,
  getNamedType,
  isAbstractType,
  isCompositeType,
  visit,
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { OperationAnalysis } from './analysis';
import { TYPENAME_ALIAS } from './types';

/** Why a selection is gone: its own requirements failed, or everything under it was removed. */
export type Removal = 'denied' | 'emptied';

export interface FilteredOperation {
  /** Only the analysed operation and the fragments it still spreads. */
  readonly document: DocumentNode;
  /** Every root field was removed; the document then selects only TYPENAME_ALIAS. */
  readonly nothingLeft: boolean;
  /** Removed fields, inline fragments and fragment definitions (their spreads go with them). */
  readonly removed: ReadonlyMap<ASTNode, Removal>;
  /** Original selection sets with a removal somewhere beneath them, spreads followed. */
  readonly affected: ReadonlySet<SelectionSetNode>;
  readonly typenameAdded: boolean;
}

interface FilteredSet {
  /** Null when nothing is left. */
  readonly node: SelectionSetNode | null;
  /** Something beneath was removed. */
  readonly affected: boolean;
}

const TYPENAME_SELECTION: FieldNode = {
  kind: Kind.FIELD,
  alias: { kind: Kind.NAME, value: TYPENAME_ALIAS },
  name: { kind: Kind.NAME, value: '__typename' },
};

/**
 * Removes the denied selections from the analysed operation. Fragments are
 * filtered once (what they select does not depend on where they are spread);
 * a selection set left empty takes its parent with it; fragments no longer
 * spread and variables no longer used are dropped, so the result still passes
 * validation. Where a removal sits in a fragment narrowing an interface or
 * union, the selection set also asks for the runtime type (TYPENAME_ALIAS).
 */
export function filterOperation(
  analysis: OperationAnalysis & { operation: OperationDefinitionNode },
  denied: ReadonlyMap<ASTNode, unknown>,
  schema: GraphQLSchema,
): FilteredOperation {
  const removed = new Map<ASTNode, Removal>();
  const affected = new Set<SelectionSetNode>();
  const filteredFragments = new Map<string, FilteredSet>();
  let typenameAdded = false;

  const fragmentResult = (fragment: FragmentDefinitionNode): FilteredSet => {
    const name = fragment.name.value;
    let result = filteredFragments.get(name);
    if (result) return result;
    // A placeholder first, so that a fragment cycle (invalid, but unvalidated documents exist) ends.
    filteredFragments.set(name, unchanged(fragment.selectionSet));
    const condition = schema.getType(fragment.typeCondition.name.value);
    if (denied.has(fragment)) {
      removed.set(fragment, 'denied');
      result = { node: null, affected: true };
    } else {
      result = isCompositeType(condition) ? filterSet(fragment.selectionSet, condition) : unchanged(fragment.selectionSet);
      if (result.node === null) removed.set(fragment, 'emptied');
    }
    filteredFragments.set(name, result);
    return result;
  };

  const filterSet = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType): FilteredSet => {
    const kept: SelectionNode[] = [];
    let changed = false;
    let anyAffected = false;
    let needsTypename = false;
    const narrows = (condition: GraphQLCompositeType) => isAbstractType(parent) && condition !== parent;

    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (denied.has(selection)) {
          removed.set(selection, 'denied');
          changed = anyAffected = true;
          continue;
        }
        const definition = selection.selectionSet && 'getFields' in parent ? parent.getFields()[selection.name.value] : undefined;
        const returned = definition && getNamedType(definition.type);
        if (!selection.selectionSet || !isCompositeType(returned)) {
          kept.push(selection);
          continue;
        }
        const inner = filterSet(selection.selectionSet, returned);
        if (inner.affected) anyAffected = true;
        if (inner.node === null) {
          removed.set(selection, 'emptied');
          changed = true;
        } else if (inner.node !== selection.selectionSet) {
          kept.push({ ...selection, selectionSet: inner.node });
          changed = true;
        } else {
          kept.push(selection);
        }
        continue;
      }

      let condition: GraphQLCompositeType;
      let inner: FilteredSet;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (!isCompositeType(type)) {
          kept.push(selection);
          continue;
        }
        condition = type;
        if (denied.has(selection)) {
          removed.set(selection, 'denied');
          inner = { node: null, affected: true };
        } else {
          inner = filterSet(selection.selectionSet, condition);
          if (inner.node === null) removed.set(selection, 'emptied');
        }
        if (inner.node !== null && inner.node !== selection.selectionSet) kept.push({ ...selection, selectionSet: inner.node });
        else if (inner.node !== null) kept.push(selection);
      } else {
        const fragment = analysis.fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || !isCompositeType(type)) {
          kept.push(selection);
          continue;
        }
        condition = type;
        inner = fragmentResult(fragment);
        if (inner.node !== null) kept.push(selection);
      }
      if (inner.node === null) changed = true;
      if (inner.affected) {
        anyAffected = true;
        // applyDenials checks every type condition on the way to a removal,
        // so the runtime type is needed even when the removal is deeper down.
        if (narrows(condition)) needsTypename = true;
      }
    }

    if (anyAffected) affected.add(selectionSet);
    if (kept.length === 0) return { node: null, affected: true };
    if (needsTypename) {
      kept.push(TYPENAME_SELECTION);
      typenameAdded = changed = true;
    }
    return { node: changed ? { ...selectionSet, selections: kept } : selectionSet, affected: anyAffected };
  };

  const { operation } = analysis;
  const root = schema.getRootType(operation.operation)!;
  const filteredRoot = filterSet(operation.selectionSet, root);
  const nothingLeft = filteredRoot.node === null;
  // Nothing to execute: a document that reveals nothing if executed anyway.
  if (nothingLeft) typenameAdded = true;
  const rootSelectionSet = filteredRoot.node ?? { kind: Kind.SELECTION_SET, selections: [TYPENAME_SELECTION] };

  const fragments = spreadFragments(rootSelectionSet, (name) => {
    const fragment = analysis.fragments.get(name);
    const filtered = fragment && filteredFragments.get(name);
    if (!fragment || !filtered) return fragment;
    return filtered.node === fragment.selectionSet || !filtered.node ? fragment : { ...fragment, selectionSet: filtered.node };
  });
  const draft: OperationDefinitionNode = { ...operation, selectionSet: rootSelectionSet };
  const used = usedVariables([draft, ...fragments]);
  const variableDefinitions = operation.variableDefinitions?.filter((v) => used.has(v.variable.name.value));
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [{ ...draft, variableDefinitions }, ...fragments],
  };
  return { document, nothingLeft, removed, affected, typenameAdded };
}

function unchanged(node: SelectionSetNode): FilteredSet {
  return { node, affected: false };
}

/** The fragment definitions a selection set spreads, transitively, each once. */
function spreadFragments(
  root: SelectionSetNode,
  definitionOf: (name: string) => FragmentDefinitionNode | undefined,
): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const pending: SelectionSetNode[] = [root];
  while (pending.length > 0) {
    visit(pending.pop()!, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const definition = found.has(name) ? undefined : definitionOf(name);
        if (!definition) return;
        found.set(name, definition);
        pending.push(definition.selectionSet);
      },
    });
  }
  return [...found.values()];
}

function usedVariables(definitions: ReadonlyArray<OperationDefinitionNode | FragmentDefinitionNode>): Set<string> {
  const used = new Set<string>();
  for (const definition of definitions) {
    const { selectionSet, directives } = definition;
    for (const node of [selectionSet, ...(directives ?? [])]) {
      visit(node, {
        Variable(variable) {
          used.add(variable.name.value);
        },
      });
    }
  }
  return used;
}
