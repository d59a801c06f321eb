import type { Supergraph } from '@apollo/federation-internals';
import { INTERNAL_IDENTITY_HEADER, type IdentitySigner } from '../../../lib/auth/internal-identity';
import { InProcessEventBus, RedisEventBus, eventsUrlOf, subscribeToSubgraphEvents, type EventBus } from '../../../lib/events';
import type { Logger } from '../../../lib/logger';
import { ANONYMOUS } from '../auth/caller';
import type { EntityCache } from '../cache';
import type { QueryPlanExecutor, SubgraphSender } from '../execution';
import { EventEnricher, type DomainEvent } from './enrich';
import { SubscriptionEngine, type AdmittedSubscription, type EventSource } from './engine';
import { readEventFields } from './event-fields';
import { SubscriptionPlanner } from './planner';

export interface EventDeliveryOptions {
  /** The supergraph as composed (`@event` channels). */
  supergraphSdl: string;
  /** Plans subscriptions and runs their enrichment, on the subgraphs it sends to. */
  executor: QueryPlanExecutor;
  dataSources: ReadonlyMap<string, SubgraphSender>;
  subgraphUrls: ReadonlyMap<string, string>;
  signer: IdentitySigner;
  redisUrl?: string;
  /** Invalidated by every event before the event is delivered (it follows every channel). */
  entityCache?: EntityCache;
  logger: Logger;
}

export interface EventDelivery {
  engine: SubscriptionEngine;
  /**
   * A new supergraph: the engine plans and enriches on its executor from now
   * on, and each running subscription is admitted again by `readmit` or ends.
   * (Embedded mode keeps following the /events streams it started with.)
   */
  reload(next: Pick<EventDeliveryOptions, 'supergraphSdl' | 'executor' | 'dataSources'>, readmit: (s: AdmittedSubscription) => AdmittedSubscription): { kept: number; ended: number };
  /** Stops listening to events (after the transports have completed every subscription). */
  close(): Promise<void>;
}

/**
 * The event end of subscriptions: the engine and its event source (Redis
 * pub/sub when Redis is configured; otherwise an in-process bus fed by each
 * subgraph's `/events` stream). The pipeline admits subscriptions into it;
 * the graphql-ws and SSE transports carry its results.
 */
export function startEventDelivery(options: EventDeliveryOptions): EventDelivery {
  const { logger } = options;
  const { executor } = options;
  const eventFields = readEventFields(options.supergraphSdl);
  const events = options.redisUrl ? redisEvents(options.redisUrl, logger) : embeddedEvents(eventFields, options);
  const engine = new SubscriptionEngine({
    apiSchema: executor.schema.schema,
    planner: new SubscriptionPlanner(executor),
    enricher: new EventEnricher(executor, options.dataSources),
    eventFields,
    events: options.entityCache?.beforeDelivery(events.source) ?? events.source,
    logger,
  });
  return {
    engine,
    reload: (next, readmit) =>
      engine.reload(
        {
          apiSchema: next.executor.schema.schema,
          planner: new SubscriptionPlanner(next.executor),
          enricher: new EventEnricher(next.executor, next.dataSources),
          eventFields: readEventFields(next.supergraphSdl),
        },
        readmit,
      ),
    close: () => events.close(),
  };
}

interface Events {
  source: EventSource;
  close(): Promise<void>;
}

/** Redis pub/sub: one subscription per channel per gateway process, shared by every replica's publishers. */
function redisEvents(url: string, logger: Logger): Events {
  let closed = false;
  const connecting = (async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await RedisEventBus.connect(url, { logger });
      } catch (error) {
        if (closed) throw error;
        logger.warn('event bus cannot reach Redis yet; retrying', { attempt, error: (error as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)).unref());
      }
    }
  })();
  connecting.catch(() => {});
  return {
    source: {
      async subscribe(channel, onEvent) {
        const bus = await connecting;
        return bus.subscribe(channel, (event) => onEvent(event as unknown as DomainEvent));
      },
    },
    async close() {
      closed = true;
      const bus = await connecting.catch(() => undefined);
      await bus?.close();
    },
  };
}

/**
 * Embedded mode: subgraphs run in their own processes with in-process buses
 * and stream their events on `/events`; the gateway follows each subgraph
 * that declares event fields and relays into its own in-process bus.
 */
function embeddedEvents(eventFields: ReturnType<typeof readEventFields>, options: EventDeliveryOptions): Events {
  const bus: EventBus & { publishSerialized(channel: string, json: string): Promise<void> } = new InProcessEventBus({ logger: options.logger });
  const anonymous = { subject: ANONYMOUS.subject, scopes: [] as string[] };
  const bridges: Array<() => Promise<void>> = [];
  for (const [subgraph, channels] of channelsBySubgraph(options.executor.schema.supergraph, eventFields)) {
    const url = options.subgraphUrls.get(subgraph);
    if (!url) continue;
    bridges.push(
      subscribeToSubgraphEvents(
        eventsUrlOf(url),
        channels,
        async () => ({ [INTERNAL_IDENTITY_HEADER]: await options.signer.headerFor(anonymous, subgraph) }),
        (channel, _event, json) => void bus.publishSerialized(channel, json).catch(() => {}),
        options.logger,
      ),
    );
  }
  return {
    source: {
      subscribe: (channel, onEvent) => bus.subscribe(channel, (event) => onEvent(event as unknown as DomainEvent)),
    },
    async close() {
      await Promise.all(bridges.map((close) => close()));
      await bus.close();
    },
  };
}

/** Which subgraph declares each event field, hence publishes its channel. */
function channelsBySubgraph(supergraph: Supergraph, eventFields: ReturnType<typeof readEventFields>): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const subgraph of supergraph.subgraphs()) {
    const subscription = subgraph.schema.schemaDefinition.rootType('subscription');
    if (!subscription) continue;
    for (const { field, channel } of eventFields.values()) {
      if (!subscription.field(field)) continue;
      const channels = result.get(subgraph.name) ?? [];
      if (!channels.includes(channel)) channels.push(channel);
      result.set(subgraph.name, channels);
    }
  }
  return result;
}
