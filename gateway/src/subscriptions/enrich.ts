import {
  Kind,
  execute,
  getNamedType,
  isObjectType,
  print,
  type FieldNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
  type ExecutionResult,
} from 'graphql';
import type { Caller } from '../auth/caller';
import { answer, type ExecutionOutcome, type PlannedOperation, type QueryPlanExecutor, type SubgraphSender } from '../execution';
import { deepMerge, type ResultObject } from '../execution/merge';
import type { SubscriptionPlan } from './planner';

/** A domain event as it travels the bus: its own fields plus the key of the entity it is about. */
export interface DomainEvent {
  id: string;
  type: string;
  occurredAt: string;
  entity?: { __typename: string; [key: string]: unknown };
  [field: string]: unknown;
}

interface PrimaryContext {
  service: string;
  caller: Caller;
}

/** The entity reference an entity-typed event field stands for, or undefined. */
function entityReference(source: Record<string, unknown>, info: GraphQLResolveInfo): { __typename: string; [key: string]: unknown } | null | undefined {
  const type = getNamedType(info.returnType);
  if (!isObjectType(type)) return undefined;
  const entity = source.entity as { __typename?: string } | undefined;
  if (entity?.__typename === type.name) return entity as { __typename: string };
  const id = source[`${info.fieldName}Id`];
  return id === undefined || id === null ? null : { __typename: type.name, id };
}

/** Only `__typename` and key-like fields: the reference alone answers it, no fetch needed. */
function onlyKeyFields(selectionSet: SelectionSetNode | undefined, reference: Record<string, unknown>): boolean {
  return (selectionSet?.selections ?? []).every((s) => s.kind === Kind.FIELD && (s.name.value === '__typename' || s.name.value in reference));
}

/**
 * Resolves one event through a subscription's federated plan: the primary
 * fetch is executed here, on the event, against the declaring subgraph's
 * schema; the rest of the plan (entity fetches to other subgraphs) runs on
 * our executor as the subscriber's identity, and the operation's projection
 * shapes the answer, as for any query.
 */
export class EventEnricher {
  private readonly subgraphSchemas = new Map<string, GraphQLSchema>();

  /** One resolver for every event: what differs per event travels in the execution context. */
  private readonly eventFieldResolver: GraphQLFieldResolver<Record<string, unknown>, PrimaryContext> = (source, _args, context, info) => {
    const value = source[info.fieldName];
    if (value !== undefined) return value;
    const reference = entityReference(source, info);
    if (reference === undefined) return null;
    if (reference === null || onlyKeyFields(info.fieldNodes[0].selectionSet, reference)) return reference;
    return this.fetchEntity(context.service, reference, info.fieldNodes[0], context.caller);
  };

  constructor(
    private readonly executor: QueryPlanExecutor,
    private readonly dataSources: ReadonlyMap<string, SubgraphSender>,
  ) {}

  async enrich(plan: SubscriptionPlan, event: DomainEvent, subscription: PlannedOperation): Promise<ExecutionOutcome> {
    const run = this.executor.start(subscription);
    const primary = await this.primaryResult(plan, event, subscription.variables, subscription.caller);
    for (const error of primary.errors ?? []) run.errors.push({ ...error.toJSON(), extensions: { ...error.extensions, serviceName: plan.primaryService, code: error.extensions.code ?? 'DOWNSTREAM_SERVICE_ERROR' } });
    if (primary.data) deepMerge(run.data, primary.data as ResultObject);
    if (plan.rest) await run.run(plan.rest);
    return answer(plan.prepared, run, subscription);
  }

  /**
   * The primary fetch, answered from the event. Event fields are read by
   * name. An entity-typed field (`StockChangedEvent.product`) is the event's
   * `entity` when its type matches, else `{ id: event.<field>Id }`; when the
   * plan asks for more than its key there (fields the declaring subgraph owns,
   * e.g. `paymentStatusChanged { payment { status } }`), they are fetched
   * from that subgraph with `_entities`, as the subscriber.
   */
  private primaryResult(plan: SubscriptionPlan, event: DomainEvent, variables: Readonly<Record<string, unknown>>, caller: Caller): Promise<ExecutionResult> {
    return Promise.resolve(
      execute({
        schema: this.subgraphSchema(plan.primaryService),
        document: plan.primaryDocument,
        rootValue: { [plan.rootField.name]: event },
        variableValues: variables,
        contextValue: { service: plan.primaryService, caller } satisfies PrimaryContext,
        fieldResolver: this.eventFieldResolver,
      }),
    );
  }

  private readonly entityQueries = new WeakMap<FieldNode, string>();

  private async fetchEntity(service: string, reference: { __typename: string }, field: FieldNode, caller: Caller): Promise<unknown> {
    let prefix = this.entityQueries.get(field);
    if (!prefix) {
      const query = `query($representations:[_Any!]!){_entities(representations:$representations){...on ${reference.__typename}${print(field.selectionSet!)}}}`;
      prefix = `{"query":${JSON.stringify(query)},"variables":{"representations":[`;
      this.entityQueries.set(field, prefix);
    }
    const source = this.dataSources.get(service);
    if (!source) throw new Error(`no data source for subgraph ${service}`);
    const response = await source.send(`${prefix}${JSON.stringify(reference)}]}}`, caller);
    if (response.errors?.length) throw new Error(response.errors.map((e) => e.message).join('; '));
    return (response.data as { _entities?: unknown[] } | undefined)?._entities?.[0] ?? null;
  }

  private subgraphSchema(name: string): GraphQLSchema {
    let schema = this.subgraphSchemas.get(name);
    if (!schema) {
      const subgraph = this.executor.schema.supergraph.subgraphs().get(name);
      if (!subgraph) throw new Error(`no subgraph named ${name} in the supergraph`);
      schema = subgraph.schema.toGraphQLJSSchema();
      this.subgraphSchemas.set(name, schema);
    }
    return schema;
  }
}
