import {
  Kind,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  type ASTNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { OperationAnalysis } from './analysis';
import type { FilteredOperation } from './filter';
import { ShapeErrorCode, ShapeLimitError } from '../../limits/shape';
import type { Denial, DeniedSite, PathStep } from './types';

export interface Findings {
  readonly denials: ReadonlyArray<Denial>;
  /** Index for index with denials. */
  readonly denialSteps: ReadonlyArray<ReadonlyArray<PathStep>>;
  readonly nulls: ReadonlyArray<ReadonlyArray<PathStep>>;
}

/**
 * Walks the original operation with fragments expanded, so that a fragment
 * spread in several places yields a denial at each place, and turns every
 * removal into response paths: a denial per removed selection (a field under
 * a parent that was emptied keeps its own denial), a null per field the
 * filtered document no longer selects (fields of a fragment removed for its
 * restricted type excepted, see below). Only selection sets with a removal
 * beneath them are entered, and a fragment spread again into the same
 * selection set under the same type conditions is entered once (as execution
 * expands it once), so `...F ...F` at every level stays linear. Whatever the
 * document, the walk visits at most `maxSelections` fields, then refuses it
 * with MAX_SELECTIONS_EXCEEDED.
 */
export function collectFindings(
  analysis: OperationAnalysis,
  filtered: FilteredOperation,
  denied: ReadonlyMap<ASTNode, DeniedSite>,
  schema: GraphQLSchema,
  maxSelections: number,
): Findings {
  const denials: Denial[] = [];
  const denialSteps: PathStep[][] = [];
  const nulls: PathStep[][] = [];
  const seenDenials = new Set<string>();
  const seenNulls = new Set<string>();

  const deny = (steps: PathStep[], coordinate: string, site: DeniedSite) => {
    const id = `${JSON.stringify(steps)}|${coordinate}`;
    if (seenDenials.has(id)) return;
    seenDenials.add(id);
    denialSteps.push(steps);
    denials.push({ path: responsePath(steps), coordinate, reason: site.reason, unmet: site.unmet });
  };
  let visited = 0;
  const nullify = (steps: PathStep[]) => {
    const id = JSON.stringify(steps);
    if (seenNulls.has(id)) return;
    seenNulls.add(id);
    nulls.push(steps);
  };

  /** Fragments being expanded on the current path: a cycle (invalid documents only) is not followed. */
  const entered = new Set<ASTNode>();
  /** `spread`: fragments already entered into this selection set, by name and type conditions. */
  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, path: PathStep[], when: ReadonlyArray<string>, spread: Set<string>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (++visited > maxSelections) {
          throw new ShapeLimitError(
            ShapeErrorCode.MaxSelectionsExceeded,
            `The operation selects more than ${maxSelections} fields once its fragments are spread.`,
            { maxSelections },
          );
        }
        const definition = 'getFields' in parent ? parent.getFields()[selection.name.value] : undefined;
        if (!definition) continue;
        const key = selection.alias?.value ?? selection.name.value;
        const here = [...path, { kind: 'field' as const, key, when, nonNull: isNonNullType(definition.type) }];
        const status = filtered.removed.get(selection);
        if (status === 'denied') {
          deny(here, `${parent.name}.${selection.name.value}`, denied.get(selection)!);
          nullify(here);
          continue;
        }
        if (status === 'emptied') nullify(here);
        const returned = getNamedType(definition.type);
        if (selection.selectionSet && isCompositeType(returned) && (status === 'emptied' || filtered.affected.has(selection.selectionSet))) {
          walk(selection.selectionSet, returned, [...here, ...itemSteps(definition.type)], [], new Set());
        }
        continue;
      }
      const node = selection.kind === Kind.INLINE_FRAGMENT ? selection : analysis.fragments.get(selection.name.value);
      if (!node || entered.has(node)) continue;
      const condition = node.typeCondition ? schema.getType(node.typeCondition.name.value) : parent;
      if (!isCompositeType(condition)) continue;
      const inner = isAbstractType(parent) && condition !== parent ? [...when, condition.name] : when;
      const status = filtered.removed.get(node);
      if (status === 'denied') {
        // No nulls: objects of the restricted type just lack the fragment's
        // fields, as if it did not apply, instead of null bubbling up from a
        // non-null field in it and taking a whole list of other objects along.
        deny([...path, { kind: 'match', when: inner }], condition.name, denied.get(node)!);
      } else if (status === 'emptied' || filtered.affected.has(node.selectionSet)) {
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const key = `${selection.name.value}\u0000${inner.join('\u0000')}`;
          if (spread.has(key)) continue;
          spread.add(key);
        }
        entered.add(node);
        walk(node.selectionSet, condition, path, inner, spread);
        entered.delete(node);
      }
    }
  };

  if (analysis.operation) {
    walk(analysis.operation.selectionSet, schema.getRootType(analysis.operation.operation)!, [], [], new Set());
  }
  return { denials, denialSteps, nulls };
}

/** One `item` step per list level of a field's type, each saying whether its items are non-null. */
function itemSteps(type: GraphQLOutputType): PathStep[] {
  const steps: PathStep[] = [];
  let current: GraphQLOutputType = isNonNullType(type) ? type.ofType : type;
  while (isListType(current)) {
    const item: GraphQLOutputType = current.ofType;
    steps.push({ kind: 'item', nonNull: isNonNullType(item) });
    current = isNonNullType(item) ? item.ofType : item;
  }
  return steps;
}

export function responsePath(steps: ReadonlyArray<PathStep>): string[] {
  return steps.flatMap((step) => (step.kind === 'field' ? [step.key] : step.kind === 'item' ? ['@'] : []));
}
