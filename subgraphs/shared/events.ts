import { GraphQLError } from 'graphql';

/** `extensions.code` of a subscription sent straight to a subgraph. */
export const SUBSCRIPTIONS_VIA_GATEWAY = 'SUBSCRIPTIONS_VIA_GATEWAY';

function subscriptionsViaGateway(field: string): never {
  throw new GraphQLError(
    `Subscription.${field} is served by the gateway (over WebSocket or SSE) from this subgraph's events; subgraphs do not execute subscriptions`,
    { extensions: { code: SUBSCRIPTIONS_VIA_GATEWAY } },
  );
}

/**
 * Resolvers for a subgraph's Subscription fields. The schema declares them so
 * composition gives the gateway their types and channels (`@event`); the
 * gateway serves them and never sends a subscription here, so whoever does
 * gets SUBSCRIPTIONS_VIA_GATEWAY, whether they execute or subscribe.
 */
export function gatewayOnlySubscriptions(fields: readonly string[]): Record<string, { subscribe: () => never; resolve: () => never }> {
  return Object.fromEntries(fields.map((field) => [field, { subscribe: () => subscriptionsViaGateway(field), resolve: () => subscriptionsViaGateway(field) }]));
}
