import { GraphQLError, Kind, parse, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Logger } from '../../../lib/logger';
import type { AuthorizationOutcome } from '../auth/authorization';
import { applyDenials, UNAUTHORIZED_FIELD_OR_TYPE } from '../auth/authorization';
import type { Caller } from '../auth/caller';
import type { ConnectionInfo, OperationHandle, OperationRequest, ResultSink, StreamingEngine } from './contract';
import type { DomainEvent, EventEnricher } from './enrich';
import type { EventField } from './event-fields';
import { selectedOperation, type SubscriptionPlan, type SubscriptionPlanner } from './planner';
import { mayReceive } from './visibility';

export const SubscriptionErrorCode = {
  JwtExpired: 'SUBSCRIPTION_JWT_EXPIRED',
  NotServable: 'SUBSCRIPTION_NOT_SERVABLE',
  EnrichmentFailed: 'SUBSCRIPTION_ENRICHMENT_FAILED',
} as const;

/** The event bus as the engine uses it: one subscription per channel per process. */
export interface EventSource {
  subscribe(channel: string, onEvent: (event: DomainEvent) => void): Promise<() => Promise<void>>;
}

/** Admission of a subscription (cost, rate limit, concurrent-subscription cap): refused with errors, or admitted with a release. */
export type Admit = (
  caller: Caller,
  connection: ConnectionInfo,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
) => Promise<{ errors: GraphQLFormattedError[] } | { release(): void }>;

export interface SubscriptionEngineOptions {
  apiSchema: GraphQLSchema;
  planner: SubscriptionPlanner;
  enricher: EventEnricher;
  eventFields: ReadonlyMap<string, EventField>;
  events: EventSource;
  /** `@authenticated` / `@requiresScopes`, when the supergraph declares any. */
  authorize?: (document: DocumentNode, operationName: string | undefined, caller: Caller) => AuthorizationOutcome;
  admit: Admit;
  /** Queries and mutations sent over a streaming transport run through the HTTP pipeline; one serialized result. */
  executeOperation: (caller: Caller, request: OperationRequest, connection: ConnectionInfo) => Promise<string>;
  logger: Logger;
  /** Parsed and validated documents kept (by query text). */
  maxCachedDocuments?: number;
}

interface Subscriber {
  sink: ResultSink;
  stopped: boolean;
  stop(): void;
}

/**
 * Subscribers who would receive byte-identical results share a group: same
 * document, operation, variables and identity. Each event is filtered,
 * enriched and serialized once per group, then written to every subscriber.
 */
interface Group {
  key: string;
  channel: string;
  field: EventField;
  plan: SubscriptionPlan;
  outcome?: AuthorizationOutcome;
  /** The document as the client sent it (denials are patched back into its shape). */
  original: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  /** Root-field argument values that filter events (null/absent: no filter). */
  filters: ReadonlyArray<readonly [string, unknown]>;
  caller: Caller;
  subscribers: Set<Subscriber>;
  /** Events of one group are delivered in order. */
  queue: Promise<void>;
}

interface Channel {
  groups: Set<Group>;
  unsubscribe: Promise<() => Promise<void>>;
}

/**
 * Serves GraphQL subscriptions from domain events: never from subgraphs.
 * The work per event scales with the distinct groups listening, not with
 * subscribers; one bus subscription per channel, whatever the number of
 * subscribers.
 */
export class SubscriptionEngine implements StreamingEngine {
  private readonly documents = new Map<string, { document: DocumentNode } | { errors: GraphQLFormattedError[] }>();
  private readonly groups = new Map<string, Group>();
  private readonly channels = new Map<string, Channel>();
  private readonly stats = { events: 0, enrichments: 0, deliveries: 0 };

  constructor(private readonly options: SubscriptionEngineOptions) {}

  counters(): { events: number; enrichments: number; deliveries: number; groups: number; channels: number } {
    return { ...this.stats, groups: this.groups.size, channels: this.channels.size };
  }

  async start(caller: Caller, request: OperationRequest, sink: ResultSink, connection: ConnectionInfo): Promise<{ errors: readonly GraphQLFormattedError[] } | OperationHandle> {
    if (typeof request.query !== 'string' || request.query === '') return failure('BAD_REQUEST', 'The operation has no query');
    const parsed = this.document(request.query);
    if ('errors' in parsed) return { errors: parsed.errors };
    const operationName = request.operationName ?? undefined;
    let operationType: string;
    try {
      operationType = selectedOperation(parsed.document, operationName).operation;
    } catch (error) {
      return failure('OPERATION_RESOLUTION_FAILURE', (error as Error).message);
    }
    if (operationType !== 'subscription') {
      sink.next(await this.options.executeOperation(caller, request, connection));
      sink.complete();
      return { stop() {} };
    }
    return this.subscribe(caller, parsed.document, operationName, request.variables ?? {}, sink, connection);
  }

  private async subscribe(
    caller: Caller,
    original: DocumentNode,
    operationName: string | undefined,
    rawVariables: Record<string, unknown>,
    sink: ResultSink,
    connection: ConnectionInfo,
  ): Promise<{ errors: readonly GraphQLFormattedError[] } | OperationHandle> {
    const outcome = this.options.authorize?.(original, operationName, caller);
    if (outcome?.nothingLeft) {
      return failure(UNAUTHORIZED_FIELD_OR_TYPE, `Unauthorized field or type: ${outcome.denials.map((d) => d.coordinate).join(', ')}`);
    }
    const document = outcome && outcome.denials.length > 0 ? outcome.document : original;
    const rootName = rootFieldName(document, operationName);
    const field = rootName ? this.options.eventFields.get(rootName) : undefined;
    if (!field) return failure(SubscriptionErrorCode.NotServable, `Subscription field ${rootName ?? '(none)'} is not backed by an event channel`);

    const variables = rawVariables ?? {};
    let plan: SubscriptionPlan;
    try {
      plan = this.options.planner.plan(document, operationName);
    } catch (error) {
      this.options.logger.error('cannot plan subscription', { error: (error as Error).message });
      return failure(SubscriptionErrorCode.NotServable, 'This subscription cannot be planned');
    }

    const admitted = await this.options.admit(caller, connection, document, operationName, variables);
    if ('errors' in admitted) return admitted;

    const key = groupKey(original, operationName, variables, caller);
    let group = this.groups.get(key);
    if (!group) {
      group = {
        key,
        channel: field.channel,
        field,
        plan,
        outcome: outcome && outcome.denials.length > 0 ? outcome : undefined,
        original,
        operationName,
        variables,
        filters: argumentFilters(document, operationName, variables, field),
        caller,
        subscribers: new Set(),
        queue: Promise.resolve(),
      };
      this.groups.set(key, group);
      this.join(group);
    }

    const owner = group;
    let expiry: NodeJS.Timeout | undefined;
    const subscriber: Subscriber = {
      sink,
      stopped: false,
      stop: () => {
        if (subscriber.stopped) return;
        subscriber.stopped = true;
        if (expiry) clearTimeout(expiry);
        admitted.release();
        owner.subscribers.delete(subscriber);
        if (owner.subscribers.size === 0) this.disband(owner);
      },
    };
    group.subscribers.add(subscriber);
    if (caller.expiresAt !== null) {
      // setTimeout holds at most ~24.8 days; longer-lived tokens are re-armed.
      const arm = () => {
        const left = caller.expiresAt! - Date.now();
        if (left <= 0) {
          sink.error([{ message: 'The token of this subscription has expired', extensions: { code: SubscriptionErrorCode.JwtExpired } }]);
          subscriber.stop();
          return;
        }
        expiry = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
        expiry.unref();
      };
      arm();
      if (subscriber.stopped) return { stop() {} };
    }
    return { stop: subscriber.stop };
  }

  private document(query: string): { document: DocumentNode } | { errors: GraphQLFormattedError[] } {
    let entry = this.documents.get(query);
    if (entry) return entry;
    try {
      const document = parse(query);
      const errors = validate(this.options.apiSchema, document);
      entry = errors.length > 0 ? { errors: errors.map((e) => coded(e, 'GRAPHQL_VALIDATION_FAILED')) } : { document };
    } catch (error) {
      entry = { errors: [coded(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')] };
    }
    if (this.documents.size >= (this.options.maxCachedDocuments ?? 1_000)) this.documents.delete(this.documents.keys().next().value!);
    this.documents.set(query, entry);
    return entry;
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
    this.groups.delete(group.key);
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
    let json: string;
    try {
      this.stats.enrichments++;
      const result = await this.options.enricher.enrich(group.plan, event, group.variables, group.caller);
      const shaped = group.outcome
        ? applyDenials(result as never, group.outcome, this.options.apiSchema, group.original, group.operationName)
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

function failure(code: string, message: string): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message, extensions: { code } }] };
}

function coded(error: GraphQLError, code: string): GraphQLFormattedError {
  return { message: error.message, ...(error.locations && { locations: error.locations }), extensions: { code } };
}

function rootFieldName(document: DocumentNode, operationName: string | undefined): string | undefined {
  const root = selectedOperation(document, operationName).selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  return root?.kind === Kind.FIELD ? root.name.value : undefined;
}

/** The root field's argument values (literals or variables) that narrow the events, by event field name. */
function argumentFilters(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>, field: EventField): Array<readonly [string, unknown]> {
  const root = selectedOperation(document, operationName).selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  if (root?.kind !== Kind.FIELD) return [];
  const filters: Array<readonly [string, unknown]> = [];
  for (const arg of root.arguments ?? []) {
    if (!field.arguments.includes(arg.name.value)) continue;
    const value =
      arg.value.kind === Kind.VARIABLE
        ? variables[arg.value.name.value]
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
  return mayReceive(group.caller, event);
}

/** Same document text, operation, variables and identity: the same bytes for every event. */
function groupKey(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>, caller: Caller): string {
  const identity = caller.authenticated ? `${caller.subject ?? ''}\u0000${[...caller.scopes].sort().join(' ')}` : '-';
  return `${documentId(document)}\u0001${operationName ?? ''}\u0001${stableJson(variables)}\u0001${identity}`;
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
