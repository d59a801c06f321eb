import { Kind, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Logger } from '../../../lib/logger';
import { applyDenials, type AuthorizationOutcome } from '../auth/authorization';
import type { Caller } from '../auth/caller';
import type { OperationHandle, ResultSink } from '../pipeline/contract';
import { requestError } from '../pipeline/refusal';
import type { DomainEvent, EventEnricher } from './enrich';
import type { EventField } from './event-fields';
import type { SubscriptionPlan, SubscriptionPlanner } from './planner';
import { mayReceive } from './visibility';

export const SubscriptionErrorCode = {
  NotServable: 'SUBSCRIPTION_NOT_SERVABLE',
  EnrichmentFailed: 'SUBSCRIPTION_ENRICHMENT_FAILED',
  /** A new supergraph no longer has what the subscription selects (or it no longer passes validation, authorization or limits). */
  SchemaReload: 'SUBSCRIPTION_SCHEMA_RELOAD',
} as const;

/** The event bus as the engine uses it: one subscription per channel per process. */
export interface EventSource {
  subscribe(channel: string, onEvent: (event: DomainEvent) => void): Promise<() => Promise<void>>;
}

export interface SubscriptionEngineOptions {
  apiSchema: GraphQLSchema;
  planner: SubscriptionPlanner;
  enricher: EventEnricher;
  eventFields: ReadonlyMap<string, EventField>;
  events: EventSource;
  logger: Logger;
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
  /** Events of one group are delivered in order. */
  queue: Promise<void>;
}

interface Channel {
  groups: Set<Group>;
  unsubscribe: Promise<() => Promise<void>>;
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
  private readonly stats = { events: 0, enrichments: 0, deliveries: 0 };

  constructor(private options: SubscriptionEngineOptions) {}

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

  counters(): { events: number; enrichments: number; deliveries: number; groups: number; channels: number } {
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

  /** Plans the subscription and joins (or forms) its group; throws when it cannot be planned. */
  subscribe(subscription: AdmittedSubscription, sink: ResultSink): OperationHandle {
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
        queue: Promise.resolve(),
      };
      this.groups.set(key, group);
      this.join(group);
    }
    const owner = group;
    const subscriber: Subscriber = { sink, stopped: false };
    group.subscribers.add(subscriber);
    return {
      stop: () => {
        if (subscriber.stopped) return;
        subscriber.stopped = true;
        owner.subscribers.delete(subscriber);
        if (owner.subscribers.size === 0) this.disband(owner);
      },
    };
  }

  private join(group: Group): void {
    let channel = this.channels.get(group.channel);
    if (!channel) {
      const name = group.channel;
      channel = {
        groups: new Set(),
        unsubscribe: this.options.events.subscribe(name, (event) => this.onEvent(name, event)),
      };
      channel.unsubscribe.catch((error) => this.options.logger.error('cannot subscribe to event channel', { channel: name, error: (error as Error).message }));
      this.channels.set(group.channel, channel);
    }
    channel.groups.add(group);
  }

  private disband(group: Group): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    this.leave(group);
  }

  /** Takes the group off its channel; the bus subscription ends with the channel's last group. */
  private leave(group: Group): void {
    const channel = this.channels.get(group.channel);
    if (!channel) return;
    channel.groups.delete(group);
    if (channel.groups.size > 0) return;
    this.channels.delete(group.channel);
    channel.unsubscribe.then((unsubscribe) => unsubscribe()).catch(() => {});
  }

  private onEvent(channelName: string, event: DomainEvent): void {
    const channel = this.channels.get(channelName);
    if (!channel) return;
    this.stats.events++;
    for (const group of channel.groups) {
      if (!matches(group, event)) continue;
      group.queue = group.queue.then(() => this.deliver(group, event));
    }
  }

  private async deliver(group: Group, event: DomainEvent): Promise<void> {
    if (group.subscribers.size === 0) return;
    const { subscription } = group;
    let json: string;
    try {
      this.stats.enrichments++;
      const result = await this.options.enricher.enrich(group.plan, event, subscription);
      const shaped = subscription.outcome
        ? applyDenials(result as never, subscription.outcome, this.options.apiSchema, subscription.original, subscription.operationName)
        : result;
      json = JSON.stringify(shaped.errors && shaped.errors.length > 0 ? { data: shaped.data, errors: shaped.errors } : { data: shaped.data });
    } catch (error) {
      this.options.logger.error('event enrichment failed', { channel: group.channel, event: event.id, error: (error as Error).message });
      json = JSON.stringify({ data: null, errors: [{ message: 'The event could not be resolved', extensions: { code: SubscriptionErrorCode.EnrichmentFailed } }] });
    }
    for (const subscriber of group.subscribers) {
      if (subscriber.stopped) continue;
      this.stats.deliveries++;
      subscriber.sink.next(json);
    }
  }
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
