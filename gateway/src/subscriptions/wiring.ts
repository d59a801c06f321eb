import type { Supergraph } from '@apollo/federation-internals';
import { INTERNAL_IDENTITY_HEADER, type IdentitySigner } from '../../../lib/auth/internal-identity';
import { RedisEventLog, compareEventIds, eventsUrlOf, readSubgraphEvents, subscribeToSubgraphEvents } from '../../../lib/events';
import type { Logger } from '../../../lib/logger';
import { ANONYMOUS } from '../auth/caller';
import type { EntityCache } from '../cache';
import type { QueryPlanExecutor, SubgraphSender } from '../execution';
import { EventEnricher } from './enrich';
import { SubscriptionEngine, type AdmittedSubscription, type DeliveryLimits, type EventEntry, type EventSource } from './engine';
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
  /** Bounds of the engine's delivery (config `subscriptions.*`). */
  limits?: DeliveryLimits;
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
 * The event end of subscriptions: the engine and its event source, the
 * channels' durable logs (Redis Streams when Redis is configured; otherwise
 * each subgraph's in-process log, followed over its `/events` stream and
 * read there to resume). The pipeline admits subscriptions into it; the
 * graphql-ws and SSE transports carry its results.
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
    limits: options.limits,
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

/**
 * Redis: one follow per channel per gateway process (gaps filled from the
 * stream, see RedisEventLog), reads for resuming clients; the same logs for
 * every replica, so any replica can resume any client.
 */
function redisEvents(url: string, logger: Logger): Events {
  let closed = false;
  const connecting = (async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await RedisEventLog.connect(url, { logger, subscriberName: 'gateway-events-subscriber' });
      } catch (error) {
        if (closed) throw error;
        logger.warn('event log cannot reach Redis yet; retrying', { attempt, error: (error as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)).unref());
      }
    }
  })();
  connecting.catch(() => {});
  return {
    source: {
      follow: async (channel, onEntry) => (await connecting).follow(channel, (entry) => onEntry(entry as unknown as EventEntry)),
      read: async (channel, afterId, limit) => (await connecting).read(channel, afterId, limit) as unknown as Promise<EventEntry[]>,
    },
    async close() {
      closed = true;
      const log = await connecting.catch(() => undefined);
      await log?.close();
    },
  };
}

/**
 * Embedded mode: each subgraph keeps its channels' logs in its own process
 * and serves them on `/events`. The gateway follows one stream per channel
 * from start-up (resuming with Last-Event-ID after every reconnection, so it
 * misses nothing), relays each entry once and in order to the engine, and
 * reads a subgraph's log (`/events?limit=`) when a client resumes.
 */
function embeddedEvents(eventFields: ReturnType<typeof readEventFields>, options: EventDeliveryOptions): Events {
  const anonymous = { subject: ANONYMOUS.subject, scopes: [] as string[] };
  const headersFor = async (subgraph: string) => ({ [INTERNAL_IDENTITY_HEADER]: await options.signer.headerFor(anonymous, subgraph) });
  const followers = new Map<string, Set<(entry: EventEntry) => void>>();
  const sources = new Map<string, { url: string; subgraph: string }>();
  const bridges: Array<() => Promise<void>> = [];
  for (const [subgraph, channels] of channelsBySubgraph(options.executor.schema.supergraph, eventFields)) {
    const url = options.subgraphUrls.get(subgraph);
    if (!url) continue;
    for (const channel of channels) {
      sources.set(channel, { url: eventsUrlOf(url), subgraph });
      let lastId: string | undefined;
      bridges.push(
        subscribeToSubgraphEvents(
          eventsUrlOf(url),
          [channel],
          () => headersFor(subgraph),
          (_channel, event, _json, id) => {
            if (id === undefined || (lastId !== undefined && compareEventIds(id, lastId) <= 0)) return;
            lastId = id;
            const entry = { id, event: event as unknown as EventEntry['event'] };
            for (const onEntry of [...(followers.get(channel) ?? [])]) {
              try {
                onEntry(entry);
              } catch (error) {
                options.logger.error('event handler failed', { channel, entryId: id, error });
              }
            }
          },
          options.logger,
        ),
      );
    }
  }
  return {
    source: {
      async follow(channel, onEntry) {
        let handlers = followers.get(channel);
        if (!handlers) followers.set(channel, (handlers = new Set()));
        const handler = (entry: EventEntry) => onEntry(entry);
        handlers.add(handler);
        return async () => {
          handlers!.delete(handler);
        };
      },
      async read(channel, afterId, limit) {
        const source = sources.get(channel);
        if (!source) return [];
        return (await readSubgraphEvents(source.url, channel, afterId, limit, await headersFor(source.subgraph))) as unknown as EventEntry[];
      },
    },
    async close() {
      await Promise.all(bridges.map((close) => close()));
      followers.clear();
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
