import { randomUUID } from 'node:crypto';
import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { WebSocket, type ClientOptions } from 'ws';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from '../../../../gateway/src/transport';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type WireMessage = { type: string; id?: string; payload?: any };

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A raw WebSocket speaking graphql-transport-ws by hand, for the cases a
 * well-behaved client never produces. Records every message and the close.
 */
export class RawSocket {
  readonly messages: WireMessage[] = [];
  readonly closed: Promise<Closed>;
  private closedWith: Closed | null = null;
  private wake: () => void = () => {};

  private constructor(readonly ws: WebSocket) {
    ws.on('error', () => {}); // failures show up as the close
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString() };
        this.wake();
        resolve(this.closedWith);
      }),
    );
  }

  /** Opens a socket offering `protocols` (graphql-transport-ws unless told otherwise). */
  static open(url: string, protocols: string[] = [GRAPHQL_TRANSPORT_WS_PROTOCOL], options: ClientOptions = {}): Promise<RawSocket> {
    const ws = new WebSocket(url, protocols, options);
    const socket = new RawSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  send(message: WireMessage | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (in arrival order) that matches; waits for it, fails if the socket closes first. */
  async waitFor(predicate: (message: WireMessage) => boolean): Promise<WireMessage> {
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (this.closedWith) throw new Error(`socket closed (${this.closedWith.code} ${this.closedWith.reason}) before the expected message; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** connection_init, then waits for the ack. */
  async initialise(payload?: Record<string, unknown>): Promise<void> {
    this.send({ type: 'connection_init', ...(payload && { payload }) });
    await this.waitFor((message) => message.type === 'connection_ack');
  }

  subscribe(id: string, query: string, variables?: Record<string, unknown>): void {
    this.send({ id, type: 'subscribe', payload: { query, ...(variables && { variables }) } });
  }

  /** A protocol ping answered by its pong: every message the server sent before it has arrived. */
  async barrier(): Promise<void> {
    const token = randomUUID();
    this.send({ type: 'ping', payload: { token } });
    await this.waitFor((message) => message.type === 'pong' && message.payload?.token === token);
  }

  /** The messages of one operation, in order. */
  of(id: string): WireMessage[] {
    return this.messages.filter((message) => message.id === id);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** A graphql-ws client (the library's own) against our server: eager, no retries, the close events kept. */
export function graphqlWsClient(url: string, connectionParams?: Record<string, unknown>): { client: Client; closes: Closed[]; connected: Promise<void> } {
  const closes: Closed[] = [];
  let markConnected: () => void = () => {};
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams,
    onNonLazyError: () => {},
    on: {
      connected: () => markConnected(),
      closed: (event) => closes.push({ code: (event as Closed).code, reason: String((event as Closed).reason) }),
    },
  });
  return { client, closes, connected };
}

/** One subscription through a graphql-ws client: its results, and how it ended. */
export interface Subscription {
  results: FormattedExecutionResult<Record<string, unknown>, unknown>[];
  /** Resolves with 'complete', or with the error the sink received (GraphQL errors array or a close event). */
  done: Promise<'complete' | unknown>;
  unsubscribe(): void;
}

export function subscribe(client: Client, query: string, variables?: Record<string, unknown>): Subscription {
  const results: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
  let unsubscribe: () => void = () => {};
  const done = new Promise<'complete' | unknown>((resolve) => {
    unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (result) => void results.push(result),
        error: (error) => resolve(error),
        complete: () => resolve('complete'),
      },
    );
  });
  return { results, done, unsubscribe };
}
