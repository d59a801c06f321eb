import type { GraphQLDataSource } from '@apollo/gateway';
import { executeQueryPlan } from '@apollo/gateway/dist/executeQueryPlan';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
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
} from 'graphql';
import type { Caller } from '../auth/caller';
import type { SubscriptionPlan, SubscriptionPlanner } from './planner';

/** A domain event as it travels the bus: its own fields plus the key of the entity it is about. */
export interface DomainEvent {
  id: string;
  type: string;
  occurredAt: string;
  entity?: { __typename: string; [key: string]: unknown };
  [field: string]: unknown;
}

/** What the primary fetch needs of one enrichment, passed through executeQueryPlan's request context. */
interface Enrichment {
  plan: SubscriptionPlan;
  event: DomainEvent;
  variables: Record<string, unknown>;
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
 * schema; the rest of the plan (entity fetches to other subgraphs) goes to
 * the real subgraphs as the subscriber's identity.
 */
export class EventEnricher {
  private readonly subgraphSchemas = new Map<string, GraphQLSchema>();
  private readonly serviceMaps = new Map<string, Record<string, GraphQLDataSource>>();

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
    private readonly planner: SubscriptionPlanner,
    private readonly dataSources: ReadonlyMap<string, GraphQLDataSource>,
  ) {}

  async enrich(plan: SubscriptionPlan, event: DomainEvent, variables: Record<string, unknown>, caller: Caller): Promise<GatewayGraphQLResponse> {
    const requestContext = {
      request: { variables, operationName: plan.operationContext.operation.name?.value },
      // Data sources read the caller (identity) from here; the event source reads the event too.
      context: { caller, enrichment: { plan, event, variables } satisfies Enrichment },
      metrics: {},
    };
    return executeQueryPlan(
      plan.plan,
      this.serviceMap(plan.primaryService),
      requestContext as never,
      plan.operationContext,
      this.planner.supergraphSchema,
      this.planner.apiSchema,
    ) as Promise<GatewayGraphQLResponse>;
  }

  /** The real data sources with the declaring subgraph's replaced by the event: built once per subgraph, not per event. */
  private serviceMap(primaryService: string): Record<string, GraphQLDataSource> {
    let map = this.serviceMaps.get(primaryService);
    if (!map) {
      map = Object.create(null) as Record<string, GraphQLDataSource>;
      for (const [name, source] of this.dataSources) map[name] = source;
      map[primaryService] = {
        process: async (options) => {
          const { caller, enrichment } = (options as unknown as { context: { caller: Caller; enrichment: Enrichment } }).context;
          return this.primaryResult(enrichment.plan, enrichment.event, enrichment.variables, caller);
        },
      };
      this.serviceMaps.set(primaryService, map);
    }
    return map;
  }

  /**
   * The primary fetch, answered from the event. Event fields are read by
   * name. An entity-typed field (`StockChangedEvent.product`) is the event's
   * `entity` when its type matches, else `{ id: event.<field>Id }`; when the
   * plan asks for more than its key there (fields the declaring subgraph owns,
   * e.g. `paymentStatusChanged { payment { status } }`), they are fetched
   * from that subgraph with `_entities`, as the subscriber.
   */
  private async primaryResult(plan: SubscriptionPlan, event: DomainEvent, variables: Record<string, unknown>, caller: Caller): Promise<GatewayGraphQLResponse> {
    const result = await execute({
      schema: this.subgraphSchema(plan.primaryService),
      document: plan.primaryDocument,
      rootValue: { [plan.rootField.name]: event },
      variableValues: variables,
      contextValue: { service: plan.primaryService, caller } satisfies PrimaryContext,
      fieldResolver: this.eventFieldResolver,
    });
    return result as GatewayGraphQLResponse;
  }

  private readonly entityQueries = new WeakMap<FieldNode, string>();

  private async fetchEntity(service: string, reference: { __typename: string }, field: FieldNode, caller: Caller): Promise<unknown> {
    let query = this.entityQueries.get(field);
    if (!query) {
      query = `query($representations:[_Any!]!){_entities(representations:$representations){...on ${reference.__typename}${print(field.selectionSet!)}}}`;
      this.entityQueries.set(field, query);
    }
    const source = this.dataSources.get(service);
    if (!source) throw new Error(`no data source for subgraph ${service}`);
    const response = await source.process({
      kind: 'incoming operation',
      request: { query, variables: { representations: [reference] } },
      context: { caller },
    } as never);
    if (response.errors?.length) throw new Error(response.errors.map((e) => e.message).join('; '));
    return (response.data as { _entities?: unknown[] } | undefined)?._entities?.[0] ?? null;
  }

  private subgraphSchema(name: string): GraphQLSchema {
    let schema = this.subgraphSchemas.get(name);
    if (!schema) {
      const subgraph = this.planner.supergraph.subgraphs().get(name);
      if (!subgraph) throw new Error(`no subgraph named ${name} in the supergraph`);
      schema = subgraph.schema.toGraphQLJSSchema();
      this.subgraphSchemas.set(name, schema);
    }
    return schema;
  }
}
