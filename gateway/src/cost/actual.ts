import { argumentCostOf } from './estimate';
import type { InputCosts } from './inputs';
import type { FieldPlan, OperationPlan, SetPlan } from './plan';
import { isIncluded, type CostVariables } from './variables';

/** What `OperationCost.plan` holds: the compiled operation and the request's cost-relevant variables. */
export interface CostedOperation {
  readonly operation: OperationPlan;
  readonly values: CostVariables;
  readonly inputs: InputCosts;
}

/**
 * The estimate's formula over a result: every list counts the items it
 * really has, a null costs nothing, an absent field (skipped, or of another
 * type) nothing either. One walk over the data along the plan.
 *
 * Under an interface or union, a selection for some concrete types counts
 * only for objects of those types when the object says its `__typename`;
 * otherwise the most expensive of those types counts, as in the estimate.
 */
export function actualCost(plan: unknown, data: Readonly<Record<string, unknown>> | null | undefined): number {
  if (!plan || !data) return 0;
  const { operation, values, inputs } = plan as CostedOperation;
  return objectCost(operation.root, data, values, inputs);
}

function objectCost(set: SetPlan, object: Readonly<Record<string, unknown>>, values: CostVariables, inputs: InputCosts): number {
  let typename: string | undefined;
  for (const key of set.typenameKeys) {
    const value = object[key];
    if (typeof value === 'string') {
      typename = value;
      break;
    }
  }
  let base = 0;
  let byType: Map<string, number> | null = null;
  for (const field of set.fields) {
    if (field.free) continue;
    const value = object[field.key];
    if (value === undefined || !isIncluded(field.guard, values)) continue;
    if (field.types !== null && typename !== undefined && !field.types.has(typename)) continue;
    const cost = field.base + argumentCostOf(field, values, inputs) + valueCost(field, value, values, inputs);
    if (field.types === null || typename !== undefined) {
      base += cost;
      continue;
    }
    byType ??= new Map();
    for (const type of field.types) byType.set(type, (byType.get(type) ?? 0) + cost);
  }
  let mostExpensiveType = 0;
  if (byType) for (const cost of byType.values()) mostExpensiveType = Math.max(mostExpensiveType, cost);
  return base + mostExpensiveType;
}

/** `level` counts the list levels entered, so a JSON scalar holding an array stays one value. */
function valueCost(field: FieldPlan, value: unknown, values: CostVariables, inputs: InputCosts, level = 0): number {
  if (value === null || value === undefined) return 0;
  if (level < field.listDepth && Array.isArray(value)) {
    let cost = 0;
    for (const item of value) cost += valueCost(field, item, values, inputs, level + 1);
    return cost;
  }
  if (field.children && typeof value === 'object') {
    return field.weight + objectCost(field.children, value as Record<string, unknown>, values, inputs);
  }
  return field.weight;
}
