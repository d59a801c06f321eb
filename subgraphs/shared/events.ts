import { GraphQLError } from 'graphql';
import type { EventBus } from '../../lib/events/bus';
import { channelOf, type DomainEvent } from '../../lib/events/catalogue';
import type { Logger } from '../../lib/logger';

/** What the publisher counts (SubgraphMetrics: `events_published_total`, `events_publish_failed_total`). */
export interface EventPublishMetrics {
  recordEventPublished(channel: string): void;
  recordEventPublishFailed(channel: string): void;
}

export interface EventPublisherOptions {
  logger: Logger;
  metrics: EventPublishMetrics;
  /** The wait before each retry of a failed publish; as many retries as delays. Default: [50, 250] ms. */
  retryDelaysMs?: readonly number[];
}

export const DEFAULT_PUBLISH_RETRY_DELAYS_MS: readonly number[] = [50, 250];

/**
 * How resolvers publish domain events, after the change is durable (its
 * store call resolved). A publish that keeps failing never fails the
 * mutation, which already happened: it is retried a few times, then logged
 * (warn, with the channel and the event id) and counted per channel. Events
 * of one call are published in order.
 */
export class EventPublisher {
  private readonly retryDelaysMs: readonly number[];

  constructor(
    private readonly bus: EventBus,
    private readonly options: EventPublisherOptions,
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_PUBLISH_RETRY_DELAYS_MS;
  }

  /** Never rejects. */
  async publish(events: DomainEvent | readonly DomainEvent[]): Promise<void> {
    for (const event of Array.isArray(events) ? events : [events as DomainEvent]) await this.publishOne(event);
  }

  private async publishOne(event: DomainEvent): Promise<void> {
    const channel = channelOf(event);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.bus.publish(channel, event);
        this.options.metrics.recordEventPublished(channel);
        return;
      } catch (error) {
        if (attempt >= this.retryDelaysMs.length) {
          this.options.metrics.recordEventPublishFailed(channel);
          this.options.logger.warn('gave up publishing an event; the change itself was made', {
            channel,
            eventId: event.id,
            entity: event.entity,
            attempts: attempt + 1,
            error: (error as Error).message,
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.retryDelaysMs[attempt]));
      }
    }
  }
}

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
