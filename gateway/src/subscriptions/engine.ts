import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Kind, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { EVENTS_EXPIRED, EventsExpiredError, compareEventIds, isEventId } from '../../../lib/events/log';
import type { Logger } from '../../../lib/logger';
import { applyDenials, type AuthorizationOutcome } from '../auth/authorization';
import type { Caller } from '../auth/caller';
import type { OperationHandle, ResultSink } from '../pipeline/contract';
import { RequestErrorCode, requestError } from '../pipeline/refusal';
import type { DomainEvent, EventEnricher } from './enrich';
import type { EventField } from './event-fields';
import type { SubscriptionPlan, SubscriptionPlanner } from './planner';
import { mayReceive } from './visibility';

export const SubscriptionErrorCode = {
  NotServable: 'SUBSCRIPTION_NOT_SERVABLE',
  EnrichmentFailed: 'SUBSCRIPTION_ENRICHMENT_FAILED',
  /** A new supergraph no longer has what the subscription selects (or it no longer passes validation, authorization or limits). */
  SchemaReload: 'SUBSCRIPTION_SCHEMA_RELOAD',
  /** `resumeFrom` (or Last-Event-ID) is older than what the event log retains: refetch, then subscribe without it. */
  EventsExpired: EVENTS_EXPIRED,
  /** The subscriber fell behind (its connection's buffer, or its group's queue): dropped, with `extensions.lastEventId` to resume from. */
  SlowConsumer: 'SLOW_CONSUMER',
  /** The events to resume from could not be read (the event log is unreachable); subscribe again later. */
  ResumeFailed: 'SUBSCRIPTION_RESUME_FAILED',
} as const;

/** One entry of a channel's event log, as the engine receives it. */
export interface EventEntry {
  /** The entry's id in its channel's log: what each delivery carries and what a client resumes from. */
  id: string;
  event: DomainEvent;
}

/** The channels' event logs as the engine uses them: one follow per channel per process, reads to resume. */
export interface EventSource {
  /** Entries appended from now on, in log order, each once, without gaps. */
  follow(channel: string, onEntry: (entry: EventEntry) => void): Promise<() => Promise<void>>;
  /** Up to `limit` entries after `afterId`, oldest first; rejects with EventsExpiredError when some are no longer retained. */
  read(channel: string, afterId: string, limit: number): Promise<EventEntry[]>;
}

/** Bounds of the engine's event delivery. */
export interface DeliveryLimits {
  /** Events queued per group waiting for enrichment; beyond it the group's subscribers are dropped (SLOW_CONSUMER) and may resume. Default: 1 000. */
  maxQueuedEvents?: number;
  /** Subscribers written to between two yields to the event loop, so a burst never holds it long (64 writes: about 1.3 ms here). Default: 64. */
  fanOutBatch?: number;
  /** Log entries read per round trip when a subscriber resumes. Default: 500. */
  replayBatch?: number;
  /** Live results held per resuming subscriber until its replay catches up; beyond it it is dropped (SLOW_CONSUMER). Default: 10 000. */
  maxHeldResults?: number;
}

export const DELIVERY_DEFAULTS: Required<DeliveryLimits> = { maxQueuedEvents: 1_000, fanOutBatch: 64, replayBatch: 500, maxHeldResults: 10_000 };

/** Results of a group kept while some of its subscribers replay, so they share one enrichment per event. */
const REPLAY_CACHE_ENTRIES = 256;

export interface SubscriptionEngineOptions {
  apiSchema: GraphQLSchema;
  planner: SubscriptionPlanner;
  enricher: EventEnricher;
  eventFields: ReadonlyMap<string, EventField>;
  events: EventSource;
  logger: Logger;
  limits?: DeliveryLimits;
}

/** What a supergraph determines of the engine; a reload replaces it. */
export type SchemaParts = Pick<SubscriptionEngineOptions, 'apiSchema' | 'planner' | 'enricher' | 'eventFields'>;

/** A subscription the pipeline has validated, authorized and admitted. */
export interface AdmittedSubscription {
  readonly caller: Caller;
  /** The document's text: a reload admits the subscription again on the new schema from it. */
  readonly query: string;
  /** The document as the client sent it (denials are patched back into its shape). */
  readonly original: DocumentNode;
  /** The document to plan: the original or its authorization cut. */
  readonly document: DocumentNode;
  /** Set when authorization cut something. */
  readonly outcome: AuthorizationOutcome | undefined;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  /** As the client sent them (for the subgraphs that enrich each event). */
  readonly variables: Record<string, unknown>;
  /** Coerced (for the argument filters). */
  readonly coercedVariables: Record<string, unknown>;
  readonly field: EventField;
}

interface Subscriber {
  sink: ResultSink;
  stopped: boolean;
  /** The id of the last event delivered to it, or the one it resumed from: where it can resume. */
  lastEventId: string | undefined;
  /** While it replays: the group's live results, held until the replay has caught up. Undefined once live. */
  held: Array<{ id: string; json: string }> | undefined;
  /**
   * It resumed: a live fan-out that yielded while its replay finished may
   * reach it with an event the replay already sent, so each send checks the id.
   */
  resumed: boolean;
}

/**
 * Subscribers who would receive byte-identical results share a group: same
 * document, operation, variables and identity. Each event is filtered,
 * enriched and serialized once per group, then written to every subscriber.
 */
interface Group {
  key: string;
  channel: string;
  plan: SubscriptionPlan;
  subscription: AdmittedSubscription;
  /** Root-field argument values that filter events (null/absent: no filter). */
  filters: ReadonlyArray<readonly [string, unknown]>;
  subscribers: Set<Subscriber>;
  /** Matching events waiting to be enriched and delivered, in log order (bounded: maxQueuedEvents). */
  queue: EventEntry[];
  pumping: boolean;
  /** Subscribers replaying now; while there are any, results are cached by event id so they share enrichments. */
  replaying: number;
  replayCache: Map<string, Promise<string>>;
}

interface Channel {
  groups: Set<Group>;
  /** Resolves once the channel is followed (live from then on). */
  following: Promise<() => Promise<void>>;
}

/**
 * Serves GraphQL subscriptions from domain events, never from subgraphs: the
 * event-delivery end of the pipeline, after it has validated, authorized and
 * admitted an operation. The work per event scales with the distinct groups
 * listening, not with subscribers; one bus subscription per channel, whatever
 * the number of subscribers.
 */
export class SubscriptionEngine {
  private readonly groups = new Map<string, Group>();
  private readonly channels = new Map<string, Channel>();
  private readonly stats = { events: 0, enrichments: 0, deliveries: 0, replays: 0, replayedDeliveries: 0, slowConsumerDrops: 0 };
  private readonly limits: Required<DeliveryLimits>;

  constructor(private options: SubscriptionEngineOptions) {
    this.limits = { ...DELIVERY_DEFAULTS, ...options.limits };
  }

  /**
   * A new supergraph: every group is admitted again on it (`readmit`: the
   * new pipeline's validation, authorization and limits) and planned anew,
   * keeping its subscribers, or ended with SUBSCRIPTION_SCHEMA_RELOAD when it
   * no longer fits. Counts subscribers kept and ended.
   */
  reload(parts: SchemaParts, readmit: (subscription: AdmittedSubscription) => AdmittedSubscription): { kept: number; ended: number } {
    this.options = { ...this.options, ...parts };
    let kept = 0;
    let ended = 0;
    for (const group of [...this.groups.values()]) {
      let subscription: AdmittedSubscription;
      let plan: SubscriptionPlan;
      try {
        subscription = readmit(group.subscription);
        plan = this.options.planner.plan(subscription.document, subscription.operationName);
      } catch (error) {
        this.options.logger.info('subscription ended by a supergraph reload', { operationName: group.subscription.operationName, reason: (error as Error).message });
        ended += group.subscribers.size;
        this.end(group, [
          { message: 'The schema changed and this subscription is no longer valid in it; subscribe again', extensions: { code: SubscriptionErrorCode.SchemaReload } },
        ]);
        continue;
      }
      kept += group.subscribers.size;
      this.groups.delete(group.key);
      group.subscription = subscription;
      group.plan = plan;
      group.filters = argumentFilters(subscription);
      group.key = groupKey(subscription);
      // Two groups of one text (its document parsed twice before) become one key; they stay two groups.
      while (this.groups.has(group.key)) group.key += '+';
      this.groups.set(group.key, group);
      if (subscription.field.channel !== group.channel) {
        this.leave(group);
        group.channel = subscription.field.channel;
        this.join(group);
      }
    }
    return { kept, ended };
  }

  /** Ends every subscriber of a group from the engine's side. */
  private end(group: Group, errors: readonly GraphQLFormattedError[]): void {
    for (const subscriber of group.subscribers) {
      if (subscriber.stopped) continue;
      subscriber.stopped = true;
      subscriber.sink.error(errors);
    }
    group.subscribers.clear();
    this.disband(group);
  }

  counters(): { events: number; enrichments: number; deliveries: number; replays: number; replayedDeliveries: number; slowConsumerDrops: number; groups: number; channels: number } {
    return { ...this.stats, groups: this.groups.size, channels: this.channels.size };
  }

  /** The event field the operation's root field is served from, or the refusal: the gateway never sends a subscription to a subgraph. */
  eventFieldOf(operation: OperationDefinitionNode): EventField {
    const root = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
    const name = root?.kind === Kind.FIELD ? root.name.value : undefined;
    const field = name ? this.options.eventFields.get(name) : undefined;
    if (!field) throw requestError(SubscriptionErrorCode.NotServable, `Subscription field ${name ?? '(none)'} is not backed by an event channel`);
    return field;
  }

  /**
   * Plans the subscription and joins (or forms) its group; throws when it
   * cannot be planned or `resumeFrom` is not an event id. With `resumeFrom`,
   * the subscriber first receives the events after it that the log still
   * retains (filtered, authorized and enriched as live ones, sharing
   * enrichments with its group), then the live ones, each once and in order;
   * a position the log no longer retains ends it with EVENTS_EXPIRED.
   */
  subscribe(subscription: AdmittedSubscription, sink: ResultSink, resumeFrom?: string): OperationHandle {
    if (resumeFrom !== undefined && !isEventId(resumeFrom)) {
      throw requestError(RequestErrorCode.BadUserInput, 'resumeFrom (or Last-Event-ID) must be an event id as delivered in extensions.eventId (<ms>-<seq>)');
    }
    const key = groupKey(subscription);
    let group = this.groups.get(key);
    if (!group) {
      let plan: SubscriptionPlan;
      try {
        plan = this.options.planner.plan(subscription.document, subscription.operationName);
      } catch (error) {
        this.options.logger.error('cannot plan subscription', { error: (error as Error).message });
        throw requestError(SubscriptionErrorCode.NotServable, 'This subscription cannot be planned');
      }
      group = {
        key,
        channel: subscription.field.channel,
        plan,
        subscription,
        filters: argumentFilters(subscription),
        subscribers: new Set(),
        queue: [],
        pumping: false,
        replaying: 0,
        replayCache: new Map(),
      };
      this.groups.set(key, group);
      this.join(group);
    }
    const owner = group;
    const subscriber: Subscriber = { sink, stopped: false, lastEventId: resumeFrom, held: resumeFrom === undefined ? undefined : [], resumed: resumeFrom !== undefined };
    group.subscribers.add(subscriber);
    if (resumeFrom !== undefined) void this.replay(owner, subscriber, resumeFrom);
    return {
      stop: () => {
        if (subscriber.stopped) return;
        subscriber.stopped = true;
        this.remove(owner, subscriber);
      },
    };
  }

  private remove(group: Group, subscriber: Subscriber): void {
    group.subscribers.delete(subscriber);
    if (group.subscribers.size === 0) this.disband(group);
  }

  private join(group: Group): void {
    let channel = this.channels.get(group.channel);
    if (!channel) {
      const name = group.channel;
      channel = {
        groups: new Set(),
        following: this.options.events.follow(name, (entry) => this.onEntry(name, entry)),
      };
      channel.following.catch((error) => this.options.logger.error('cannot follow event channel', { channel: name, error: (error as Error).message }));
      this.channels.set(group.channel, channel);
    }
    channel.groups.add(group);
  }

  private disband(group: Group): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    group.queue.length = 0;
    this.leave(group);
  }

  /** Takes the group off its channel; the channel is no longer followed once its last group leaves. */
  private leave(group: Group): void {
    const channel = this.channels.get(group.channel);
    if (!channel) return;
    channel.groups.delete(group);
    if (channel.groups.size > 0) return;
    this.channels.delete(group.channel);
    channel.following.then((unfollow) => unfollow()).catch(() => {});
  }

  /** Cheap and synchronous: filters and authorization per group, then the group's queue (bounded). */
  private onEntry(channelName: string, entry: EventEntry): void {
    const channel = this.channels.get(channelName);
    if (!channel) return;
    this.stats.events++;
    for (const group of channel.groups) {
      if (!matches(group, entry.event)) continue;
      if (group.queue.length >= this.limits.maxQueuedEvents) {
        this.dropBehind(group);
        continue;
      }
      group.queue.push(entry);
      if (!group.pumping) void this.pump(group);
    }
  }

  /** Delivers a group's queued events one after the other, so its subscribers get them in log order. */
  private async pump(group: Group): Promise<void> {
    group.pumping = true;
    try {
      while (group.queue.length > 0 && group.subscribers.size > 0) {
        await this.deliver(group, group.queue.shift()!);
      }
    } finally {
      group.pumping = false;
    }
  }

  /**
   * One enrichment and one serialization for the group, then a write per
   * subscriber, yielding to the event loop every fanOutBatch writes so a large
   * group never holds it (HTTP requests and the limiter's Redis calls go on).
   */
  private async deliver(group: Group, entry: EventEntry): Promise<void> {
    const json = await this.resultOf(group, entry);
    let written = 0;
    // A live iteration: subscribers who leave during a yield are skipped, ones who join get this event too (a resuming one holds it).
    for (const subscriber of group.subscribers) {
      if (subscriber.stopped) continue;
      if (subscriber.held) {
        this.hold(group, subscriber, entry.id, json);
        continue;
      }
      this.send(subscriber, entry.id, json);
      if (++written % this.limits.fanOutBatch === 0) await yieldToEventLoop();
    }
  }

  private send(subscriber: Subscriber, id: string, json: string): void {
    if (subscriber.resumed && compareEventIds(id, subscriber.lastEventId!) <= 0) return;
    subscriber.lastEventId = id;
    this.stats.deliveries++;
    subscriber.sink.next(json, id);
  }

  private hold(group: Group, subscriber: Subscriber, id: string, json: string): void {
    if (subscriber.held!.length >= this.limits.maxHeldResults) {
      this.dropSlow(group, subscriber, 'its replay fell too far behind the live events');
      return;
    }
    subscriber.held!.push({ id, json });
  }

  /**
   * A resuming subscriber's replay: the log after its position, read in
   * batches once the channel is followed (so nothing falls between the last
   * read and live delivery), each entry filtered and enriched as for the
   * group; then the live results held meanwhile that came after, then live.
   */
  private async replay(group: Group, subscriber: Subscriber, from: string): Promise<void> {
    this.stats.replays++;
    group.replaying++;
    let position = from;
    try {
      await this.channels.get(group.channel)?.following;
      for (;;) {
        if (subscriber.stopped) return;
        const entries = await this.options.events.read(group.channel, position, this.limits.replayBatch);
        for (const entry of entries) {
          if (subscriber.stopped) return;
          if (compareEventIds(entry.id, position) <= 0) continue;
          position = entry.id;
          if (!matches(group, entry.event)) continue;
          const json = await this.resultOf(group, entry);
          if (subscriber.stopped) return;
          this.stats.replayedDeliveries++;
          this.send(subscriber, entry.id, json);
        }
        if (entries.length < this.limits.replayBatch) break;
      }
      const held = subscriber.held ?? [];
      subscriber.held = undefined;
      for (const result of held) {
        if (subscriber.stopped) return;
        if (compareEventIds(result.id, position) > 0) this.send(subscriber, result.id, result.json);
      }
    } catch (error) {
      if (subscriber.stopped) return;
      subscriber.stopped = true;
      this.remove(group, subscriber);
      if (error instanceof EventsExpiredError) {
        subscriber.sink.error([
          { message: `The events after ${from} are no longer retained; refetch, then subscribe without resumeFrom`, extensions: { code: SubscriptionErrorCode.EventsExpired } },
        ]);
      } else {
        this.options.logger.error('cannot replay events for a resuming subscriber', { channel: group.channel, from, error: (error as Error).message });
        subscriber.sink.error([
          { message: 'The events to resume from cannot be read right now; subscribe again later', extensions: { code: SubscriptionErrorCode.ResumeFailed, lastEventId: position } },
        ]);
      }
    } finally {
      group.replaying--;
      if (group.replaying === 0) group.replayCache.clear();
    }
  }

  /** The group's result for an event; shared through the cache while some of its subscribers replay. */
  private resultOf(group: Group, entry: EventEntry): Promise<string> {
    if (group.replaying === 0) return this.render(group, entry);
    let result = group.replayCache.get(entry.id);
    if (!result) {
      result = this.render(group, entry);
      group.replayCache.set(entry.id, result);
      if (group.replayCache.size > REPLAY_CACHE_ENTRIES) group.replayCache.delete(group.replayCache.keys().next().value!);
    }
    return result;
  }

  /** Enriched, authorization denials patched in, serialized once, with the event id in `extensions.eventId`. Never rejects. */
  private async render(group: Group, entry: EventEntry): Promise<string> {
    const { subscription } = group;
    const extensions = { eventId: entry.id };
    try {
      this.stats.enrichments++;
      const result = await this.options.enricher.enrich(group.plan, entry.event, subscription);
      const shaped = subscription.outcome
        ? applyDenials(result as never, subscription.outcome, this.options.apiSchema, subscription.original, subscription.operationName)
        : result;
      return JSON.stringify(shaped.errors && shaped.errors.length > 0 ? { data: shaped.data, errors: shaped.errors, extensions } : { data: shaped.data, extensions });
    } catch (error) {
      this.options.logger.error('event enrichment failed', { channel: group.channel, event: entry.event.id, entryId: entry.id, error: (error as Error).message });
      return JSON.stringify({ data: null, errors: [{ message: 'The event could not be resolved', extensions: { code: SubscriptionErrorCode.EnrichmentFailed } }], extensions });
    }
  }

  /** A group whose queue overflowed: its enrichment cannot keep up; every subscriber is dropped with where to resume. */
  private dropBehind(group: Group): void {
    this.options.logger.warn('a subscription group fell behind its events; dropping its subscribers, who may resume', {
      channel: group.channel,
      subscribers: group.subscribers.size,
      queued: group.queue.length,
    });
    for (const subscriber of [...group.subscribers]) this.dropSlow(group, subscriber, 'its events arrive faster than they can be resolved');
  }

  private dropSlow(group: Group, subscriber: Subscriber, why: string): void {
    if (subscriber.stopped) return;
    subscriber.stopped = true;
    this.stats.slowConsumerDrops++;
    this.remove(group, subscriber);
    subscriber.sink.error([slowConsumerError(subscriber.lastEventId, why)]);
  }
}

/** The error a subscriber dropped for falling behind gets: where to resume from. */
export function slowConsumerError(lastEventId: string | undefined, why: string): GraphQLFormattedError {
  return {
    message: `Dropped as a slow consumer (${why}); subscribe again with resumeFrom: extensions.lastEventId`,
    extensions: { code: SubscriptionErrorCode.SlowConsumer, ...(lastEventId !== undefined && { lastEventId }) },
  };
}

/** `extensions.resumeFrom` of a request (graphql-ws subscribe payload; SSE puts Last-Event-ID there): undefined when absent. */
export function resumeFromOf(extensions: Record<string, unknown> | null | undefined): string | undefined {
  const value = extensions?.resumeFrom;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw requestError(RequestErrorCode.BadUserInput, 'extensions.resumeFrom must be a string: an event id as delivered in extensions.eventId');
  return value;
}

/** The root field's argument values (literals or coerced variables) that narrow the events, by event field name. */
function argumentFilters({ operation, coercedVariables, field }: AdmittedSubscription): Array<readonly [string, unknown]> {
  const root = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  if (root?.kind !== Kind.FIELD) return [];
  const filters: Array<readonly [string, unknown]> = [];
  for (const arg of root.arguments ?? []) {
    if (!field.arguments.includes(arg.name.value)) continue;
    const value =
      arg.value.kind === Kind.VARIABLE
        ? coercedVariables[arg.value.name.value]
        : arg.value.kind === Kind.STRING || arg.value.kind === Kind.INT || arg.value.kind === Kind.ENUM || arg.value.kind === Kind.BOOLEAN
          ? arg.value.kind === Kind.INT
            ? Number(arg.value.value)
            : arg.value.value
          : undefined;
    if (value !== undefined && value !== null) filters.push([arg.name.value, value]);
  }
  return filters;
}

function matches(group: Group, event: DomainEvent): boolean {
  for (const [name, value] of group.filters) if (String(event[name]) !== String(value)) return false;
  return mayReceive(group.subscription.caller, event, group.subscription.field.channel);
}

/** Same document text, operation, variables and identity: the same bytes for every event. */
function groupKey({ original, operationName, variables, caller }: AdmittedSubscription): string {
  return JSON.stringify([documentId(original), operationName ?? null, stableJson(variables), caller.authenticated, caller.subject, [...caller.scopes].sort()]);
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
/** Documents are cached by query text, so the object identifies the text. */
function documentId(document: DocumentNode): number {
  let id = documentIds.get(document);
  if (id === undefined) documentIds.set(document, (id = ++nextDocumentId));
  return id;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
