import { createClient, type Client, type ExecutionResult } from 'graphql-ws';

/** The connection's state, as the page shows it (`data-connection` on the status line). */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface LiveOptions {
  /** ws(s)://…/graphql */
  url: string;
  token: string;
  status(state: ConnectionState, detail: string): void;
}

export interface LiveSubscription<T> {
  query: string;
  next(data: T, eventId: string | undefined): void;
  /** The API refused it (e.g. not authorized): shown instead of its events. */
  refused(message: string): void;
}

/** Close codes after which trying again with the same token cannot help (graphql-ws PROTOCOL.md: 4400 bad message, 4403 refused or expired token). */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403, 4406, 4409, 4429]);

/**
 * The page's one graphql-ws connection, with the signed-in token in
 * `connection_init`. It reconnects by itself (backoff up to 3 s, forever:
 * a gateway restart is expected to end), and each subscription resumes from
 * the last event id it saw: events carry `extensions.eventId`, and a
 * (re)subscribe sends `extensions.resumeFrom`. A server that sends no event
 * ids gets no `resumeFrom`; the page then says events during the gap may be
 * missing.
 */
export class LiveConnection {
  private readonly client: Client;
  private connectedBefore = false;
  private readonly lastEventIds = new Map<string, string>();
  private readonly stops: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly options: LiveOptions) {
    this.client = createClient({
      url: options.url,
      connectionParams: { authorization: `Bearer ${options.token}` },
      lazy: false,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: (event) => !(isCloseEvent(event) && FATAL_CLOSE_CODES.has(event.code)),
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(3_000, 250 * 2 ** retries))),
      onNonLazyError: (error) => options.status('refused', describeClose(error)),
    });
    this.client.on('connecting', (isRetry) => {
      if (!isRetry && !this.connectedBefore) options.status('connecting', 'Connecting to the gateway…');
    });
    this.client.on('connected', () => {
      const resumed = [...this.lastEventIds.values()];
      const detail = !this.connectedBefore
        ? 'Live: events arrive as they happen'
        : resumed.length > 0
          ? `Reconnected at ${new Date().toLocaleTimeString([], { hour12: false })}: resumed from event ${resumed.join(', ')}`
          : `Reconnected at ${new Date().toLocaleTimeString([], { hour12: false })} (the gateway sends no event ids: events during the gap may be missing)`;
      this.connectedBefore = true;
      options.status('live', detail);
    });
    this.client.on('closed', (event) => {
      if (this.stopped) return;
      if (isCloseEvent(event) && FATAL_CLOSE_CODES.has(event.code)) options.status('refused', describeClose(event));
      else options.status('reconnecting', `Connection to the gateway lost (${describeClose(event)}); reconnecting…`);
    });
  }

  /**
   * Keeps `subscription` running: resubscribed (from its last event id) when
   * the server completes it (a gateway shutting down completes every
   * subscription before it closes), until `close()`.
   */
  subscribe<T>(name: string, subscription: LiveSubscription<T>): void {
    // graphql-ws serializes the payload at every (re)subscribe, so updating resumeFrom here is what a retry sends.
    const payload: { query: string; extensions?: { resumeFrom: string } } = { query: subscription.query };
    let stop = () => {};
    const start = () => {
      if (this.stopped) return;
      const last = this.lastEventIds.get(name);
      if (last !== undefined) payload.extensions = { resumeFrom: last };
      let refused = false;
      stop = this.client.subscribe<T>(payload, {
        next: (result: ExecutionResult<T>) => {
          const eventId = typeof result.extensions?.eventId === 'string' ? result.extensions.eventId : undefined;
          if (eventId !== undefined) {
            this.lastEventIds.set(name, eventId);
            payload.extensions = { resumeFrom: eventId };
          }
          if (result.data) subscription.next(result.data, eventId);
          else if (result.errors?.length) subscription.refused(result.errors.map((e) => e.message).join('; '));
        },
        error: (error: unknown) => {
          refused = true;
          subscription.refused(Array.isArray(error) ? error.map((e: { message?: string }) => e.message).join('; ') : describeClose(error));
        },
        // Completed by the server (shutdown, schema reload): start again; the client reconnects if it must.
        complete: () => {
          if (!refused) setTimeout(start, 0);
        },
      });
    };
    start();
    this.stops.push(() => stop());
  }

  close(): void {
    this.stopped = true;
    for (const stop of this.stops) stop();
    void this.client.dispose();
  }
}

function isCloseEvent(value: unknown): value is CloseEvent {
  return typeof value === 'object' && value !== null && 'code' in value && typeof (value as CloseEvent).code === 'number';
}

function describeClose(event: unknown): string {
  if (isCloseEvent(event)) return event.reason ? `${event.code} ${event.reason}` : `close ${event.code}`;
  return event instanceof Error ? event.message : 'the gateway is unreachable';
}
