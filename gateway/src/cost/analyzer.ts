import type { DocumentNode, GraphQLSchema } from 'graphql';
import { actualCost, type CostedOperation } from './actual';
import { CostErrorCode, CostLimitError } from './errors';
import { estimateCost } from './estimate';
import { InputCosts } from './inputs';
import { resolveCostOptions, type CostAnalyzerOptions, type ResolvedCostOptions } from './options';
import { compileOperation, depthError, findOperation, type OperationPlan } from './plan';
import type { CostPolicy } from './policy';
import { checkTokens } from './tokens';
import { costVariablesKey, costVariablesOf } from './variables';

/** The cost and shape of one operation for one set of cost-relevant variable values. */
export interface OperationCost {
  /** Estimated cost: what the operation may cost at most, by the rules of the README. */
  readonly estimated: number;
  /** Deepest field nesting, root fields being 1 (fragments expanded, introspection included). */
  readonly depth: number;
  /** Aliased fields (fragments expanded). */
  readonly aliases: number;
  /** Root fields (fragments expanded). */
  readonly rootFields: number;
  /** Opaque, for actualCost. */
  readonly plan: unknown;
}

interface OperationEntry {
  /** Undefined when the document does not say which operation to run: execution reports that. */
  readonly plan: OperationPlan | undefined;
  /** A limit the operation breaks whatever its variables. */
  readonly refusal: CostLimitError | undefined;
  /** By costVariablesKey. */
  readonly outcomes: Map<string, OperationCost | CostLimitError>;
}

const UNRESOLVED: OperationCost = Object.freeze({ estimated: 0, depth: 0, aliases: 0, rootFields: 0, plan: null });

/**
 * Costs operations before execution and refuses those over a limit. The
 * walk over a document happens once per (document object, operationName):
 * it compiles the operation and checks depth, aliases and root fields.
 * Estimating happens once per distinct values of the few variables that
 * change the cost (slicing arguments, `@skip`/`@include`, weighted
 * arguments), over the compiled plan. A repeated request costs a WeakMap
 * lookup, a Map lookup and a short key; refusals are cached as well.
 */
export class CostAnalyzer {
  readonly options: Readonly<ResolvedCostOptions>;
  private readonly entries = new WeakMap<DocumentNode, Map<string | null, OperationEntry>>();
  /** Insertion order of cached outcomes, for forgetting the oldest. */
  private readonly remembered: Array<{ outcomes: Map<string, unknown>; key: string }> = [];
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
   * The operation's cost and shape; throws CostLimitError when it breaks a
   * limit (depth, aliases, root fields, cost, slicing arguments). The same
   * object is returned for every request with equal cost-relevant values.
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
      entry.outcomes.set(key, outcome);
      this.remember(entry.outcomes, key);
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

  /** MAX_TOKENS_EXCEEDED for a query text over `maxTokens`; meant for before parsing. */
  checkTokens(source: string): void {
    checkTokens(source, this.options.maxTokens);
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
    const { mutationBaseCost, maxSelections, maxDepth, maxAliases, maxRootFields } = this.options;
    let plan: OperationPlan | undefined;
    try {
      plan = compileOperation(operation, document, this.apiSchema, this.policy, this.inputs, {
        mutationBaseCost,
        maxSelections,
        maxDepth,
      });
    } catch (error) {
      if (error instanceof CostLimitError) return { plan: undefined, refusal: error, outcomes };
      throw error;
    }
    return { plan, refusal: plan && this.shapeRefusal(plan, maxDepth, maxAliases, maxRootFields), outcomes };
  }

  private shapeRefusal(plan: OperationPlan, maxDepth: number, maxAliases: number, maxRootFields: number): CostLimitError | undefined {
    if (plan.depth > maxDepth) return depthError(maxDepth);
    if (plan.aliases > maxAliases) {
      return new CostLimitError(
        CostErrorCode.MaxAliasesExceeded,
        `The operation has ${plan.aliases} aliases, more than the ${maxAliases} this gateway accepts.`,
        { aliases: plan.aliases, maxAliases },
      );
    }
    if (plan.rootFields > maxRootFields) {
      return new CostLimitError(
        CostErrorCode.MaxRootFieldsExceeded,
        `The operation selects ${plan.rootFields} root fields, more than the ${maxRootFields} this gateway accepts.`,
        { rootFields: plan.rootFields, maxRootFields },
      );
    }
    return undefined;
  }

  private estimate(plan: OperationPlan, values: ReturnType<typeof costVariablesOf>): OperationCost | CostLimitError {
    let estimated: number;
    try {
      estimated = estimateCost(plan, values, this.inputs, this.options.defaultListSize);
    } catch (error) {
      if (error instanceof CostLimitError) return error;
      throw error;
    }
    const { maxCost } = this.options;
    if (estimated > maxCost) {
      return new CostLimitError(
        CostErrorCode.EstimatedTooExpensive,
        `The operation's estimated cost is ${estimated}, above the limit of ${maxCost}.`,
        { estimatedCost: estimated, maxCost },
      );
    }
    const costed: CostedOperation = { operation: plan, values, inputs: this.inputs };
    return Object.freeze({
      estimated,
      depth: plan.depth,
      aliases: plan.aliases,
      rootFields: plan.rootFields,
      plan: costed,
    });
  }

  private remember(outcomes: Map<string, unknown>, key: string): void {
    this.remembered.push({ outcomes, key });
    if (this.remembered.length > this.options.maxCachedOutcomes) {
      const oldest = this.remembered.shift()!;
      oldest.outcomes.delete(oldest.key);
    }
  }
}

/** A fresh error per request: a cached instance would carry whatever a previous request's handling attached to it. */
function copyOf(error: CostLimitError): CostLimitError {
  return new CostLimitError(error.code, error.message, error.details);
}
