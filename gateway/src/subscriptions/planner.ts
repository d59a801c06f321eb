import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { OperationContext } from '@apollo/gateway/dist/operationContext';
import { buildOperationContext } from '@apollo/gateway/dist/operationContext';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { Kind, parse, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';

/** Everything needed to turn one event into the result of one subscription operation. */
export interface SubscriptionPlan {
  /** The root subscription field (e.g. `stockChanged`), its response key (alias) and its argument values source. */
  rootField: { name: string; responseKey: string };
  /** The subgraph that declared the field: its fetch is served from the event, never sent. */
  primaryService: string;
  /** The primary fetch's operation, parsed once: executed locally against the event. */
  primaryDocument: DocumentNode;
  /** Primary then the entity fetches that enrich it, as an ordinary plan the gateway can execute. */
  plan: QueryPlan;
  operationContext: OperationContext;
}

/**
 * Plans subscription operations with Apollo's query planner. The planner
 * gives a `Subscription` node `{ primary, rest }`; as a `Sequence` of the
 * two it is a plan `executeQueryPlan` runs, once the primary fetch is
 * answered from the event instead of the subgraph. Plans are cached per
 * document object and operation name (documents are cached upstream).
 */
export class SubscriptionPlanner {
  readonly supergraph: Supergraph;
  readonly apiSchema: Schema;
  readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly plans = new WeakMap<DocumentNode, Map<string, SubscriptionPlan>>();

  constructor(
    executableSupergraphSdl: string,
    /** The API schema clients validate against (the gateway's, as graphql-js). */
    readonly apiGraphQLSchema: GraphQLSchema,
  ) {
    this.supergraph = Supergraph.build(executableSupergraphSdl);
    this.apiSchema = this.supergraph.apiSchema();
    this.supergraphSchema = this.supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(this.supergraph);
  }

  plan(document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    let byName = this.plans.get(document);
    if (!byName) this.plans.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let plan = byName.get(key);
    if (!plan) byName.set(key, (plan = this.build(document, operationName)));
    return plan;
  }

  private build(document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    const operation = operationFromDocument(this.apiSchema, document, { operationName });
    const queryPlan = this.planner.buildQueryPlan(operation);
    const node = queryPlan.node;
    if (node?.kind !== 'Subscription') throw new Error(`expected a subscription plan, got ${node?.kind ?? 'an empty plan'}`);
    const primary: FetchNode = node.primary;
    const nodes: PlanNode[] = node.rest ? [primary, node.rest] : [primary];
    const definition = selectedOperation(document, operationName);
    const root = definition.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
    if (!root || root.kind !== Kind.FIELD) throw new Error('a subscription selects exactly one root field');
    return {
      rootField: { name: root.name.value, responseKey: root.alias?.value ?? root.name.value },
      primaryService: primary.serviceName,
      primaryDocument: parse(primary.operation),
      plan: { kind: 'QueryPlan', node: { kind: 'Sequence', nodes } },
      operationContext: buildOperationContext({ schema: this.apiGraphQLSchema, operationDocument: document, operationName }),
    };
  }
}

export function selectedOperation(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const found = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!found) throw new Error(operationName ? `Unknown operation named "${operationName}"` : 'Must provide operation name if query contains multiple operations');
  return found;
}
