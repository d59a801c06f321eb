import type { DocumentNode, GraphQLSchema } from 'graphql';
import { actualCost, type CostedOperation } from './actual';
import { CostErrorCode, CostLimitError } from './errors';
import { estimateCost } from './estimate';
import { InputCosts } from './inputs';
import { resolveCostOptions, type CostAnalyzerOptions, type ResolvedCostOptions } from './options';
import { compileOperation, findOperation, type OperationPlan } from './plan';
import type { CostPolicy } from './policy';
import { costVariablesKey, costVariablesOf } from './variables';

/** The cost and shape of one operation for one set of cost-relevant variable values. */
export interface OperationCost {
  /** Estimated cost: what the operation may cost at most, by the rules of the README. */
  readonly estimated: number;
  /** Opaque, for actualCost. */
  readonly plan: unknown;
}

interface OperationEntry {
  /** Undefined when the document does not say which operation to run: execution reports that. */
  readonly plan: OperationPlan | undefined;
  /** A limit the operation breaks whatever its variables. */
  readonly refusal: CostLimitError | undefined;
  /** By costVariablesKey, oldest first. */
  readonly outcomes: Map<string, OperationCost | CostLimitError>;
}

const UNRESOLVED: OperationCost = Object.freeze({ estimated: 0, plan: null });

/** Longer keys (huge weighted input values) are not cached: estimating again is linear, holding them is not bounded. */
const MAX_CACHED_KEY_LENGTH = 1024;

/**
 * Costs operations before execution and refuses those over a limit (in
 * `enforce` mode). The walk over a document happens once per (document
 * object, operationName): it compiles the operation. Estimating happens once
 * per distinct values of the few variables that change the cost (slicing
 * arguments, `@skip`/`@include`, weighted arguments) — the coerced values the
 * pipeline passes, so `[1]` and `1` for a list are one entry — over the
 * compiled plan. A repeated request costs a WeakMap lookup, a Map lookup and
 * a short key; refusals are cached as well. Depth, aliases and root fields
 * are the shape limits' business (limits/shape.ts), checked before.
 */
export class CostAnalyzer {
  readonly options: Readonly<ResolvedCostOptions>;
  private readonly entries = new WeakMap<DocumentNode, Map<string | null, OperationEntry>>();
  private readonly inputs: InputCosts;

  constructor(
    private readonly policy: CostPolicy,
    private readonly apiSchema: GraphQLSchema,
    options: CostAnalyzerOptions = {},
  ) {
    this.options = resolveCostOptions(options);
    this.inputs = new InputCosts(policy);
  }

  /**
   * The operation's cost; throws CostLimitError when it breaks a limit
   * (cost, slicing arguments) in `enforce` mode. The same object is returned
   * for every request with equal cost-relevant values.
   */
  analyze(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Readonly<Record<string, unknown>> | null | undefined,
  ): OperationCost {
    const entry = this.entryFor(document, operationName ?? undefined);
    if (entry.refusal) throw copyOf(entry.refusal);
    if (!entry.plan) return UNRESOLVED;
    const values = costVariablesOf(entry.plan, variables);
    const key = costVariablesKey(entry.plan.variables, values);
    let outcome = entry.outcomes.get(key);
    if (!outcome) {
      outcome = this.estimate(entry.plan, values);
      if (key.length <= MAX_CACHED_KEY_LENGTH) {
        if (entry.outcomes.size >= this.options.maxOutcomesPerOperation) entry.outcomes.delete(entry.outcomes.keys().next().value!);
        entry.outcomes.set(key, outcome);
      }
    }
    if (outcome instanceof CostLimitError) throw copyOf(outcome);
    return outcome;
  }

  /**
   * The key under which analyze caches a request's cost: requests for the
   * same document object and operation with equal keys cost the same. For
   * callers that cache per cost, e.g. next to the query hash.
   */
  variablesKey(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Readonly<Record<string, unknown>> | null | undefined,
  ): string {
    const { plan } = this.entryFor(document, operationName ?? undefined);
    return plan ? costVariablesKey(plan.variables, costVariablesOf(plan, variables)) : '';
  }

  /** The same formula over the real result: list lengths as returned. One pass over `data`. */
  actualCost(cost: OperationCost, data: Readonly<Record<string, unknown>> | null | undefined): number {
    return actualCost(cost.plan, data);
  }

  private entryFor(document: DocumentNode, operationName: string | undefined): OperationEntry {
    let byName = this.entries.get(document);
    if (!byName) this.entries.set(document, (byName = new Map()));
    const name = operationName ?? null;
    let entry = byName.get(name);
    if (!entry) {
      entry = this.compile(document, operationName);
      byName.set(name, entry);
    }
    return entry;
  }

  private compile(document: DocumentNode, operationName: string | undefined): OperationEntry {
    const outcomes = new Map<string, OperationCost | CostLimitError>();
    const operation = findOperation(document, operationName);
    if (!operation) return { plan: undefined, refusal: undefined, outcomes };
    const { mutationBaseCost, maxSelections } = this.options;
    try {
      const plan = compileOperation(operation, document, this.apiSchema, this.policy, this.inputs, { mutationBaseCost, maxSelections });
      return { plan, refusal: undefined, outcomes };
    } catch (error) {
      if (error instanceof CostLimitError) return { plan: undefined, refusal: error, outcomes };
      throw error;
    }
  }

  private estimate(plan: OperationPlan, values: ReturnType<typeof costVariablesOf>): OperationCost | CostLimitError {
    const enforce = this.options.mode === 'enforce';
    let estimated: number;
    try {
      estimated = estimateCost(plan, values, this.inputs, this.options.defaultListSize, enforce);
    } catch (error) {
      if (error instanceof CostLimitError) return error;
      throw error;
    }
    const { maxCost } = this.options;
    if (enforce && estimated > maxCost) {
      return new CostLimitError(
        CostErrorCode.EstimatedTooExpensive,
        `The operation's estimated cost is ${estimated}, above the limit of ${maxCost}.`,
        { estimatedCost: estimated, maxCost },
      );
    }
    const costed: CostedOperation = { operation: plan, values, inputs: this.inputs };
    return Object.freeze({ estimated, plan: costed });
  }
}

/** A fresh error per request: a cached instance would carry whatever a previous request's handling attached to it. */
function copyOf(error: CostLimitError): CostLimitError {
  return new CostLimitError(error.code, error.message, error.details);
}
