import type { Condition, Guard, OperationPlan } from './plan';

/**
 * The values of the variables that change an operation's cost, operation
 * defaults filled in. A variable neither given nor defaulted is absent (no
 * own property): to GraphQL that is not the same as null, since an absent
 * variable lets the argument's schema default apply.
 */
export type CostVariables = Readonly<Record<string, unknown>>;

export function costVariablesOf(plan: OperationPlan, variables: Readonly<Record<string, unknown>> | null | undefined): CostVariables {
  const values: Record<string, unknown> = Object.create(null);
  for (const name of plan.variables) {
    if (variables && Object.hasOwn(variables, name)) values[name] = variables[name];
    else if (plan.variableDefaults.has(name)) values[name] = plan.variableDefaults.get(name);
  }
  return values;
}

/**
 * The cache key of an operation's cost among requests for the same document
 * and operation: equal keys, equal costs. Variables that cannot change the
 * cost are not part of it, so `{ id: 1 }` and `{ id: 2 }` share one entry.
 * Absent and null differ (`[]` and `[null]`).
 */
export function costVariablesKey(names: ReadonlyArray<string>, values: CostVariables): string {
  return JSON.stringify(names.map((name) => (Object.hasOwn(values, name) ? [values[name]] : [])));
}

/** Whether the selection's `@skip`/`@include` conditions let it run. */
export function isIncluded(guard: Guard, values: CostVariables): boolean {
  return allHold(guard.when, values) && !guard.unless.some((clause) => allHold(clause, values));
}

function allHold(conditions: ReadonlyArray<Condition>, values: CostVariables): boolean {
  for (const condition of conditions) {
    if (Boolean(values[condition.variable]) !== condition.include) return false;
  }
  return true;
}
