import { ALL_EVENT_CHANNELS, type DomainEvent, type EventType, type EventsByType } from '../../../lib/events/catalogue';
import type { Logger } from '../../../lib/logger';
import type { CacheSchemaFacts } from './schema-facts';
import { entityTag, keyValuesOf, listTag, type CacheTag } from './tags';

/**
 * Whether an event adds its entity to lists (a root-field answer listing
 * products must show a new one): those also invalidate every cached list of
 * their entity's type. Every other event changes its entity only. A new event
 * type must be decided here (the record is exhaustive).
 */
const ADDS_TO_LISTS: { readonly [T in EventType]: (event: EventsByType[T]) => boolean } = {
  StockChanged: () => false,
  // A new payment is announced as PENDING -> its first status.
  PaymentStatusChanged: (event) => event.from === 'PENDING',
  PriceChanged: () => false,
  ProductCreated: () => true,
};

/** What an event changed, as cache tags: its entity (by each key of its type it carries) and, for a creation, its type's lists. */
export function tagsOfEvent(event: DomainEvent, facts: CacheSchemaFacts | undefined): CacheTag[] {
  const { __typename: type, ...fields } = event.entity as { __typename: string } & Record<string, unknown>;
  const tags = new Set<CacheTag>();
  const keys = facts?.keysOf(type) ?? [];
  for (const key of keys) {
    const values = keyValuesOf(fields, key);
    if (values) tags.add(entityTag(type, values));
  }
  // A type the served supergraph does not know (yet): its fields in the event's order.
  if (keys.length === 0) tags.add(entityTag(type, fields));
  if ((ADDS_TO_LISTS[event.type] as (e: DomainEvent) => boolean)(event)) tags.add(listTag(type));
  return [...tags];
}

/** Anything with a log entry's `event` (the subscription engine's EventEntry). */
interface EntryWithEvent {
  readonly event: unknown;
}

/** The part of the subscription engine's event source the cache needs: following a channel. */
export interface FollowedEvents<E extends EntryWithEvent> {
  follow(channel: string, onEntry: (entry: E) => void): Promise<() => Promise<void>>;
}

interface Channel<E> {
  readonly followed: Promise<unknown>;
  readonly handlers: Set<(entry: E) => void>;
  /** Entries received, each with the handlers following when it arrived, waiting for their invalidation. */
  readonly pending: Array<{ entry: E; handlers: Array<(entry: E) => void> }>;
  draining: boolean;
}

/**
 * The event source the subscription engine reads, with the cache in front:
 * every channel is followed from the start (once per process: the engine's
 * follows are served from that one), and each entry's entities are
 * invalidated before the entry reaches any handler, so a client that receives
 * an event and then queries never reads the value from before it. Entries
 * that arrive together are invalidated in one store call, then delivered in
 * order. Everything else of the source (`read` for resuming clients) is the
 * source's own.
 */
export function invalidateBeforeDelivery<E extends EntryWithEvent, S extends FollowedEvents<E>>(
  source: S,
  invalidate: (events: readonly DomainEvent[]) => Promise<void>,
  logger: Logger,
  channels: readonly string[] = ALL_EVENT_CHANNELS,
): S {
  const byName = new Map<string, Channel<E>>();
  const drain = async (channel: Channel<E>) => {
    channel.draining = true;
    try {
      while (channel.pending.length > 0) {
        const batch = channel.pending.splice(0);
        // Never rejects (a failed invalidation is retried by the cache, which stops serving entries meanwhile).
        await invalidate(batch.map(({ entry }) => entry.event as DomainEvent));
        for (const { entry, handlers } of batch) {
          for (const handler of handlers) {
            try {
              handler(entry);
            } catch (error) {
              logger.error('event handler failed', { error });
            }
          }
        }
      }
    } finally {
      channel.draining = false;
    }
  };
  const channelNamed = (name: string): Channel<E> => {
    let channel = byName.get(name);
    if (channel) return channel;
    const created: Channel<E> = {
      handlers: new Set(),
      pending: [],
      draining: false,
      followed: source.follow(name, (entry) => {
        created.pending.push({ entry, handlers: [...created.handlers] });
        if (!created.draining) void drain(created);
      }),
    };
    created.followed.catch((error: Error) => logger.error('the entity cache cannot follow an event channel', { channel: name, error: error.message }));
    byName.set(name, created);
    return created;
  };
  for (const name of channels) channelNamed(name);

  const followed: FollowedEvents<E> = {
    async follow(name, onEntry) {
      const channel = channelNamed(name);
      await channel.followed;
      channel.handlers.add(onEntry);
      return async () => {
        channel.handlers.delete(onEntry);
      };
    },
  };
  // The source's other members (read, ...) answer as before.
  return Object.assign(Object.create(source) as S, followed);
}
