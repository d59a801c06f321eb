import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * Operation shape limits: how deep, wide and repetitive a document may be.
 * Checked on the syntax alone, right after parsing and before validation,
 * so that no later analysis (graphql-js validation, authorization, cost,
 * planning) ever sees a document that expands past them.
 */
export interface ShapeLimits {
  /** Deepest field nesting, root fields being 1 (fragments spread). */
  maxDepth: number;
  /** Aliased fields, fragments spread where they are spread. */
  maxAliases: number;
  /** Root fields of an operation, fragments spread. */
  maxRootFields: number;
  /** Field selections once fragments are spread: bounds every walk over the expanded operation. */
  maxSelections: number;
  /**
   * Selections of one response key in one selection set, fragments spread.
   * graphql-js compares every pair of them (OverlappingFieldsCanBeMerged), so
   * 490 copies of `b { a }` cost ~190 ms of validation; 100 cost ~8 ms.
   */
  maxFieldRepeats: number;
}

export const DEFAULT_SHAPE_LIMITS: Readonly<ShapeLimits> = Object.freeze({
  maxDepth: 15,
  maxAliases: 30,
  maxRootFields: 20,
  maxSelections: 10_000,
  maxFieldRepeats: 100,
});

/** Stable `extensions.code` of each refusal. */
export const ShapeErrorCode = {
  MaxDepthExceeded: 'MAX_DEPTH_EXCEEDED',
  MaxAliasesExceeded: 'MAX_ALIASES_EXCEEDED',
  MaxRootFieldsExceeded: 'MAX_ROOT_FIELDS_EXCEEDED',
  MaxSelectionsExceeded: 'MAX_SELECTIONS_EXCEEDED',
  MaxFieldRepeatsExceeded: 'MAX_FIELD_REPEATS_EXCEEDED',
} as const;
export type ShapeErrorCode = (typeof ShapeErrorCode)[keyof typeof ShapeErrorCode];

/** A document refused for its shape; `extensions` carry the code and the limit. */
export class ShapeLimitError extends GraphQLError {
  constructor(
    readonly code: ShapeErrorCode,
    message: string,
    readonly details: Readonly<Record<string, number>>,
  ) {
    super(message, { extensions: { code, ...details } });
    this.name = 'ShapeLimitError';
  }
}

/** What an operation expands to. */
export interface OperationShape {
  readonly depth: number;
  readonly aliases: number;
  readonly rootFields: number;
  readonly selections: number;
}

/**
 * Measures every operation of a document (validation walks them all) and
 * throws ShapeLimitError at the first limit one breaks. Fragments are spread
 * where they are spread, each at most once per selection set, as execution
 * expands them, so `{ ...F } fragment F { ...G ...G }` counts G once. The walk
 * stops as soon as it passes `maxSelections`, so its work is bounded by that
 * limit whatever the document; fragment bombs that multiply through fields
 * are refused there. Unknown and cyclic fragments are skipped: validation
 * reports them.
 */
export function checkDocumentShape(document: DocumentNode, limits: ShapeLimits): Map<string | null, OperationShape> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const shapes = new Map<string | null, OperationShape>();
  let selections = 0;
  for (const operation of operations) {
    const before = selections;
    const measured = measureOperation(operation, fragments, limits, () => {
      if (++selections > limits.maxSelections) {
        throw new ShapeLimitError(
          ShapeErrorCode.MaxSelectionsExceeded,
          `The document selects more than ${limits.maxSelections} fields once its fragments are spread.`,
          { maxSelections: limits.maxSelections },
        );
      }
    });
    shapes.set(operation.name?.value ?? null, { ...measured, selections: selections - before });
  }
  return shapes;
}

interface Level {
  /** Selections per response key. */
  readonly keys: Map<string, number>;
  /** Fragments already spread into this selection set. */
  readonly fragments: Set<string>;
  fields: number;
}

function measureOperation(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  limits: ShapeLimits,
  countSelection: () => void,
): Omit<OperationShape, 'selections'> {
  let depth = 0;
  let aliases = 0;
  const spreading = new Set<string>();

  const visit = (set: SelectionSetNode, level: Level, fieldDepth: number): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        countSelection();
        if (fieldDepth > limits.maxDepth) {
          throw new ShapeLimitError(
            ShapeErrorCode.MaxDepthExceeded,
            `The operation nests fields deeper than ${limits.maxDepth} levels, the most this gateway accepts.`,
            { maxDepth: limits.maxDepth },
          );
        }
        depth = Math.max(depth, fieldDepth);
        if (selection.alias && ++aliases > limits.maxAliases) {
          throw new ShapeLimitError(
            ShapeErrorCode.MaxAliasesExceeded,
            `The operation has more than ${limits.maxAliases} aliases, the most this gateway accepts.`,
            { maxAliases: limits.maxAliases },
          );
        }
        const key = selection.alias?.value ?? selection.name.value;
        const repeats = (level.keys.get(key) ?? 0) + 1;
        if (repeats > limits.maxFieldRepeats) {
          throw new ShapeLimitError(
            ShapeErrorCode.MaxFieldRepeatsExceeded,
            `The operation selects "${key}" more than ${limits.maxFieldRepeats} times in one selection set.`,
            { maxFieldRepeats: limits.maxFieldRepeats },
          );
        }
        level.keys.set(key, repeats);
        level.fields++;
        if (selection.selectionSet) visit(selection.selectionSet, newLevel(), fieldDepth + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, level, fieldDepth);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || level.fragments.has(name) || spreading.has(name)) continue;
        level.fragments.add(name);
        spreading.add(name);
        visit(fragment.selectionSet, level, fieldDepth);
        spreading.delete(name);
      }
    }
  };

  const root = newLevel();
  visit(operation.selectionSet, root, 1);
  if (root.fields > limits.maxRootFields) {
    throw new ShapeLimitError(
      ShapeErrorCode.MaxRootFieldsExceeded,
      `The operation selects ${root.fields} root fields, more than the ${limits.maxRootFields} this gateway accepts.`,
      { rootFields: root.fields, maxRootFields: limits.maxRootFields },
    );
  }
  return { depth, aliases, rootFields: root.fields };
}

function newLevel(): Level {
  return { keys: new Map(), fragments: new Set(), fields: 0 };
}
