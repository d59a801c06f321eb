import type { GraphQLDataSource } from '@apollo/gateway';
import { executeQueryPlan } from '@apollo/gateway/dist/executeQueryPlan';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { execute, getNamedType, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
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

/**
 * An entity-typed field of an event (`StockChangedEvent.product`) resolves to
 * the event's `entity` when its type matches, else to `{ id: event.<field>Id }`
 * (`product` ← `productId`): the key the planner's next fetch needs. Other
 * fields are read from the event by name.
 */
const eventFieldResolver: GraphQLFieldResolver<Record<string, unknown>, unknown> = (source, _args, _context, info) => {
  const value = source[info.fieldName];
  if (value !== undefined) return value;
  const type = getNamedType(info.returnType);
  if (!isObjectType(type)) return null;
  const entity = source.entity as { __typename?: string } | undefined;
  if (entity?.__typename === type.name) return entity;
  const id = source[`${info.fieldName}Id`];
  return id === undefined || id === null ? null : { id };
};

/**
 * Resolves one event through a subscription's federated plan: the primary
 * fetch is executed here, on the event, against the declaring subgraph's
 * schema; the rest of the plan (entity fetches to other subgraphs) goes to
 * the real subgraphs as the subscriber's identity.
 */
export class EventEnricher {
  private readonly subgraphSchemas = new Map<string, GraphQLSchema>();

  constructor(
    private readonly planner: SubscriptionPlanner,
    private readonly dataSources: ReadonlyMap<string, GraphQLDataSource>,
  ) {}

  async enrich(plan: SubscriptionPlan, event: DomainEvent, variables: Record<string, unknown>, caller: Caller): Promise<GatewayGraphQLResponse> {
    const primary: GraphQLDataSource = {
      process: async () => this.primaryResult(plan, event, variables),
    };
    const serviceMap: Record<string, GraphQLDataSource> = Object.create(null);
    for (const [name, source] of this.dataSources) serviceMap[name] = source;
    serviceMap[plan.primaryService] = primary;
    const requestContext = {
      request: { variables, operationName: plan.operationContext.operation.name?.value },
      context: { caller },
      metrics: {},
    };
    return executeQueryPlan(
      plan.plan,
      serviceMap,
      requestContext as never,
      plan.operationContext,
      this.planner.supergraphSchema,
      this.planner.apiSchema,
    ) as Promise<GatewayGraphQLResponse>;
  }

  private async primaryResult(plan: SubscriptionPlan, event: DomainEvent, variables: Record<string, unknown>): Promise<GatewayGraphQLResponse> {
    const result = await execute({
      schema: this.subgraphSchema(plan.primaryService),
      document: plan.primaryDocument,
      rootValue: { [plan.rootField.name]: event },
      variableValues: variables,
      fieldResolver: eventFieldResolver,
    });
    return result as GatewayGraphQLResponse;
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
