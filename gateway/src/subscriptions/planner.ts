import type { FetchNode, PlanNode } from '@apollo/query-planner';
import { Kind, parse, type DocumentNode } from 'graphql';
import type { PreparedPlan, QueryPlanExecutor } from '../execution';

/** Everything needed to turn one event into the result of one subscription operation. */
export interface SubscriptionPlan {
  /** The root subscription field (e.g. `stockChanged`) and its response key (alias). */
  rootField: { name: string; responseKey: string };
  /** The subgraph that declared the field: its fetch is served from the event, never sent. */
  primaryService: string;
  /** The primary fetch's operation, parsed once: executed locally against the event. */
  primaryDocument: DocumentNode;
  /** The entity fetches that enrich the event, run by our executor; absent when the event answers everything. */
  rest: PlanNode | undefined;
  /** The plan as the executor prepared it: its projection shapes each event's answer. */
  prepared: PreparedPlan;
}

/**
 * Plans subscription operations with the executor's query planner: it gives
 * a `Subscription` node `{ primary, rest }`, whose primary fetch is answered
 * from the event instead of the subgraph, and whose rest runs like any plan.
 * Plans are cached with the executor's, per document object (documents are
 * cached upstream).
 */
export class SubscriptionPlanner {
  private readonly plans = new WeakMap<PreparedPlan, SubscriptionPlan>();

  constructor(private readonly executor: QueryPlanExecutor) {}

  plan(document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    const prepared = this.executor.plans.planFor(document, operationName);
    let plan = this.plans.get(prepared);
    if (!plan) this.plans.set(prepared, (plan = build(prepared)));
    return plan;
  }
}

function build(prepared: PreparedPlan): SubscriptionPlan {
  const node = prepared.plan.node;
  if (node?.kind !== 'Subscription') throw new Error(`expected a subscription plan, got ${node?.kind ?? 'an empty plan'}`);
  const primary: FetchNode = node.primary;
  const root = prepared.operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  if (!root || root.kind !== Kind.FIELD) throw new Error('a subscription selects exactly one root field');
  return {
    rootField: { name: root.name.value, responseKey: root.alias?.value ?? root.name.value },
    primaryService: primary.serviceName,
    primaryDocument: parse(primary.operation),
    rest: node.rest,
    prepared,
  };
}
