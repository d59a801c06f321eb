import type { DocumentNode, GraphQLCompositeType, GraphQLFormattedError } from 'graphql';
import type { PlanNode } from '@apollo/query-planner';
import type { Caller } from '../auth/caller';
import type { CacheExtension, CachePolicy, EntityCache } from '../cache';
import type { FederatedSchema } from '../federation/schema';
import { TypeMatcher, type ResultObject } from './merge';
import { QueryPlans, type PreparedPlan } from './plans';
import { PlanRun, type DeferHandler, type SubgraphSender } from './run';
import { deferInline, executeIncrementally, type IncrementalAnswer, type IncrementalContext } from './incremental';
import { typeAtQueryPath } from './query-path';

export { QueryPlans, type PreparedPlan } from './plans';
export type { SubgraphSender } from './run';
export type { ResultObject } from './merge';
export type { CompletedInstance, DeferredInstance, IncrementalAnswer, InitialPart, SubsequentPart } from './incremental';

/** One operation to run: validated, authorized (the cut is `document`), admitted. */
export interface PlannedOperation {
  readonly caller: Caller;
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  /** As the client sent them (what subgraphs receive). */
  readonly variables: Readonly<Record<string, unknown>>;
  /** Coerced, defaults applied (Condition nodes, @skip/@include). */
  readonly coercedVariables: Readonly<Record<string, unknown>>;
}

export interface ExecutionOutcome {
  data: ResultObject | null;
  errors?: GraphQLFormattedError[];
  /** Apollo's `valueCompletion`: values that broke the schema, reported only when nothing else failed; `cache` with the entity cache's debug flag. */
  extensions?: { valueCompletion?: GraphQLFormattedError[]; cache?: CacheExtension };
  /**
   * With the entity cache on (a supergraph with hints): how long the whole
   * answer may be reused and by whom, or null when it may not be (something
   * without a hint, an error, a mutation). Undefined: the cache is off.
   */
  cachePolicy?: CachePolicy | null;
}

/**
 * Our query-plan executor: runs the plans @apollo/query-planner makes over
 * the pooled subgraph connections, merging each answer into one result in
 * place, then cuts the client's answer out of it with the operation's
 * compiled projection. Queries and mutations (HTTP, WebSocket, SSE) and
 * event enrichment all run here.
 */
export class QueryPlanExecutor {
  readonly plans: QueryPlans;
  private readonly types: TypeMatcher;
  private readonly environment;

  constructor(
    readonly schema: FederatedSchema,
    subgraphs: ReadonlyMap<string, SubgraphSender>,
    /** The process's entity cache; it takes part when this supergraph has `@cacheControl` hints. */
    entityCache?: EntityCache,
  ) {
    this.types = new TypeMatcher(schema.supergraphSchema);
    const cache = entityCache?.forSchema(schema.supergraph, schema.supergraphSchema);
    this.plans = new QueryPlans(schema, this.types, cache);
    this.environment = { subgraphs, types: this.types, cache, compiled: (node: Parameters<QueryPlans['compiled']>[0]) => this.plans.compiled(node) };
  }

  /** The prepared plan of an operation (cached with its document). */
  prepare(operation: PlannedOperation): PreparedPlan {
    return this.plans.planFor(operation.document, operation.operationName);
  }

  /** A run of a plan for one request; `onDefer` handles Defer nodes (incremental delivery). */
  start(operation: PlannedOperation, onDefer?: DeferHandler): PlanRun {
    return new PlanRun(this.environment, operation.caller, operation.variables, operation.coercedVariables, onDefer);
  }

  /** Runs a whole operation and answers it at once (deferred parts included inline). */
  async execute(operation: PlannedOperation): Promise<ExecutionOutcome> {
    const prepared = this.prepare(operation);
    const run = this.start(operation, deferInline);
    if (prepared.plan.node) await run.run(prepared.plan.node as PlanNode);
    return answer(prepared, run, operation);
  }

  /** Runs an operation whose plan defers parts (`prepare(...).incremental`), delivering them as they are ready. */
  executeIncrementally(operation: PlannedOperation): Promise<IncrementalAnswer> {
    const prepared = this.prepare(operation);
    return executeIncrementally(this.incrementalContext, prepared, operation, (onDefer) => this.start(operation, onDefer));
  }

  private readonly queryPathTypes = new WeakMap<PreparedPlan, Map<string, GraphQLCompositeType>>();
  private readonly incrementalContext: IncrementalContext = {
    matches: (object, typeCondition) => this.types.matches(object, typeCondition, true),
    typeAtQueryPath: (prepared, queryPath) => {
      let byPath = this.queryPathTypes.get(prepared);
      if (!byPath) this.queryPathTypes.set(prepared, (byPath = new Map()));
      const key = queryPath.join('\u0000');
      let type = byPath.get(key);
      if (!type) byPath.set(key, (type = typeAtQueryPath(this.schema.schema, prepared.document, prepared.operation, queryPath)));
      return type;
    },
  };
}

/** The client's answer from a finished run: the projection, with Apollo's rule for completion errors. */
export function answer(prepared: PreparedPlan, run: PlanRun, operation: PlannedOperation, data: ResultObject = run.data): ExecutionOutcome {
  const projected = prepared.projection.for(operation.coercedVariables).apply(data, operation.variables);
  const outcome: ExecutionOutcome = { data: projected.data };
  // After a failed fetch, the missing values it leaves would be reported twice; Apollo keeps the fetch's error only.
  if (run.errors.length > 0) outcome.errors = run.errors;
  else if (projected.completionErrors.length > 0) outcome.extensions = { valueCompletion: projected.completionErrors };
  const record = run.cacheRecord;
  if (record) {
    // An answer with errors is never reused: the next one may not have them.
    outcome.cachePolicy = outcome.errors || outcome.extensions ? null : (record.policy() ?? null);
    if (run.cacheDebug) outcome.extensions = { ...outcome.extensions, cache: record.extension() };
  }
  return outcome;
}
