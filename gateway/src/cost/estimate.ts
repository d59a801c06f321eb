import { valueFromASTUntyped } from 'graphql';
import { CostErrorCode, CostLimitError } from './errors';
import type { InputCosts } from './inputs';
import { valueAtPath, type FieldPlan, type OperationPlan, type SetPlan, type Sizing, type ValueSource } from './plan';
import { isIncluded, type CostVariables } from './variables';

/**
 * What a selection set costs for one object of its type. Selections under
 * an interface or union that apply to some concrete types only are kept
 * per type: the object is one of them, so the most expensive one counts,
 * not their sum.
 */
interface SetCost {
  readonly base: number;
  readonly byType: ReadonlyMap<string, number> | null;
}

/** The list length a field with `sizedFields` hands to those children. */
interface SizedFields {
  readonly names: ReadonlyArray<string>;
  readonly size: number;
}

/**
 * The estimated cost of a compiled operation for given variable values.
 * Throws SLICING_ARGUMENT_REQUIRED for a field that wants exactly one
 * slicing argument and got none or several.
 */
export function estimateCost(plan: OperationPlan, values: CostVariables, inputs: InputCosts, defaultListSize: number, enforce = true): number {
  return totalOf(new Estimator(values, inputs, defaultListSize, enforce).set(plan.root, null));
}

function totalOf(cost: SetCost): number {
  let mostExpensiveType = 0;
  if (cost.byType) for (const c of cost.byType.values()) mostExpensiveType = Math.max(mostExpensiveType, c);
  return cost.base + mostExpensiveType;
}

class Estimator {
  /** A set reached through many spreads of one fragment is costed once per sizing. */
  private readonly known = new Map<SetPlan, Map<string, SetCost>>();

  constructor(
    private readonly values: CostVariables,
    private readonly inputs: InputCosts,
    private readonly defaultListSize: number,
    /** `measure` mode estimates a field missing its required slicing argument instead of refusing it. */
    private readonly enforce: boolean,
  ) {}

  set(set: SetPlan, sized: SizedFields | null): SetCost {
    const sizedKey = sized ? `${sized.size}:${sized.names.join(',')}` : '';
    let bySizing = this.known.get(set);
    const cached = bySizing?.get(sizedKey);
    if (cached) return cached;

    let base = 0;
    let byType: Map<string, number> | null = null;
    for (const field of set.fields) {
      if (field.free || !isIncluded(field.guard, this.values)) continue;
      const cost = this.field(field, sized);
      if (field.types === null) {
        base += cost;
        continue;
      }
      byType ??= new Map();
      for (const type of field.types) byType.set(type, (byType.get(type) ?? 0) + cost);
    }
    const result = { base, byType };
    if (!bySizing) this.known.set(set, (bySizing = new Map()));
    bySizing.set(sizedKey, result);
    return result;
  }

  /** `count × (weight + children) + arguments + base`, count being the list size per list level (1 for a single value). */
  private field(field: FieldPlan, sized: SizedFields | null): number {
    const ownSize = field.sizing ? this.sizeOf(field.sizing) : undefined;
    let count = 1;
    if (field.listDepth > 0) {
      const fromParent = sized && sized.names.includes(field.name) ? sized.size : undefined;
      count = (fromParent ?? ownSize ?? this.defaultListSize) ** field.listDepth;
    }
    const forChildren =
      field.sizing && field.sizing.sizedFields.length > 0 && ownSize !== undefined
        ? { names: field.sizing.sizedFields, size: ownSize }
        : null;
    const children = field.children ? totalOf(this.set(field.children, forChildren)) : 0;
    return field.base + argumentCostOf(field, this.values, this.inputs) + count * (field.weight + children);
  }

  /** The largest slicing argument given, else `assumedSize`; undefined when neither says. */
  private sizeOf(sizing: Sizing): number | undefined {
    let given = 0;
    let largest: number | undefined;
    for (const source of sizing.slicing) {
      const size = asSize(resolveSource(source, this.values));
      if (size === undefined) continue;
      given++;
      largest = largest === undefined ? size : Math.max(largest, size);
    }
    if (this.enforce && sizing.requireOneSlicingArgument && sizing.slicing.length > 0 && given !== 1) {
      throw new CostLimitError(
        CostErrorCode.SlicingArgumentRequired,
        `Field "${sizing.coordinate}" needs exactly one of its slicing arguments (${sizing.slicingArguments.join(', ')}), got ${given}.`,
        { slicingArgumentsGiven: given },
      );
    }
    return largest ?? asSize(sizing.assumedSize);
  }
}

/** The weights of the arguments a selection gives: fixed ones compiled, variable ones costed from their values. */
export function argumentCostOf(field: FieldPlan, values: CostVariables, inputs: InputCosts): number {
  let cost = field.argumentCost;
  for (const term of field.argumentTerms) {
    cost += inputs.ofValue(valueFromASTUntyped(term.value, values), term.type, term.weight);
  }
  return cost;
}

function resolveSource(source: ValueSource, values: CostVariables): unknown {
  if (source.kind === 'constant') return source.value;
  const value = Object.hasOwn(values, source.name) ? values[source.name] : source.schemaDefault;
  return valueAtPath(value, source.path, source.type);
}

function asSize(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.floor(value)) : undefined;
}
