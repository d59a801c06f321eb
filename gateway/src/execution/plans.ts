import { operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { SchemaEntityCache } from '../cache';
import type { FederatedSchema } from '../federation/schema';
import { compileFetch, type CompiledFetch } from './fetch';
import type { TypeMatcher } from './merge';
import { OperationProjection } from './projection';

/** A query plan with everything derived from it that every request of the operation reuses. */
export interface PreparedPlan {
  readonly plan: QueryPlan;
  /** The response shape of the client's operation, per set of @skip/@include values. */
  readonly projection: OperationProjection;
  readonly operation: OperationDefinitionNode;
  /** The document planned (the client's, or its authorization cut). */
  readonly document: DocumentNode;
  /** The plan delivers incrementally (a Defer node: the operation uses @defer). */
  readonly incremental: boolean;
}

/**
 * Plans operations with @apollo/query-planner (the planner @apollo/gateway
 * and Apollo Router's JS bridge use), with @defer support on, and keeps each
 * plan with its compiled fetches and projection beside the document it was
 * made for: documents (and authorization cuts of them) are cached upstream,
 * bounded by bytes, so a plan lives exactly as long as its document.
 */
export class QueryPlans {
  private readonly planner: QueryPlanner;
  private readonly plans = new WeakMap<DocumentNode, Map<string, PreparedPlan>>();
  private readonly fetches = new WeakMap<FetchNode, CompiledFetch>();

  constructor(
    private readonly schema: FederatedSchema,
    private readonly types: TypeMatcher,
    /** The supergraph's part of the entity cache: each fetch compiled with its cache plan. */
    private readonly cache?: SchemaEntityCache,
  ) {
    this.planner = new QueryPlanner(schema.supergraph, { incrementalDelivery: { enableDefer: true } });
  }

  /** The plan of `operation` in `document` (the one to execute: the client's, or its authorization cut). */
  planFor(document: DocumentNode, operationName: string | undefined): PreparedPlan {
    let byName = this.plans.get(document);
    if (!byName) this.plans.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let prepared = byName.get(key);
    if (!prepared) {
      const plan = this.planner.buildQueryPlan(operationFromDocument(this.schema.apiSchema, document, { operationName }));
      const operation = operationNamed(document, operationName);
      prepared = {
        plan,
        projection: new OperationProjection(this.schema.schema, document, operation),
        operation,
        document,
        incremental: containsDefer(plan.node),
      };
      byName.set(key, prepared);
    }
    return prepared;
  }

  /** The fetch made ready to send, once per FetchNode of a cached plan. */
  compiled(node: FetchNode): CompiledFetch {
    let compiled = this.fetches.get(node);
    if (!compiled) this.fetches.set(node, (compiled = compileFetch(node, this.types, this.cache)));
    return compiled;
  }
}

/** The operation a request runs, in the document that is planned (an authorization cut has its own nodes). */
export function operationNamed(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const found = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!found) throw new Error(operationName ? `Unknown operation named "${operationName}"` : 'Must provide operation name if query contains multiple operations');
  return found;
}

function containsDefer(node: QueryPlan['node']): boolean {
  if (!node) return false;
  switch (node.kind) {
    case 'Defer':
      return true;
    case 'Sequence':
    case 'Parallel':
      return node.nodes.some(containsDefer);
    case 'Flatten':
      return containsDefer(node.node);
    case 'Condition':
      return containsDefer(node.ifClause) || containsDefer(node.elseClause);
    case 'Subscription':
      return containsDefer(node.primary) || containsDefer(node.rest);
    default:
      return false;
  }
}

export type { PlanNode };
