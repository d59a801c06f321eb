/**
 * The Server-Sent Events wire format as far as event streams use it
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html): written by
 * ./sse-server, read by ./sse-client. Transport-free.
 */

export const SSE_CONTENT_TYPE = 'text/event-stream';

/** Sent every keep-alive interval: a comment, ignored by clients, that keeps proxies and idle timers from closing the stream. */
export const SSE_PING = ': ping\n\n';

/** Sent once the stream is subscribed, so proxies pass the headers on at once. */
export const SSE_OPENED = ': subscribed\n\n';

/**
 * One event: `id: <id>\nevent: <name>\ndata: <data>\n\n` (no `id:` line
 * without an id). `data` must be a single line, which JSON.stringify output
 * always is.
 */
export function formatSseEvent(name: string, data: string, id?: string): string {
  return id === undefined ? `event: ${name}\ndata: ${data}\n\n` : `id: ${id}\nevent: ${name}\ndata: ${data}\n\n`;
}

/**
 * The event an `/events` stream starts with for each channel: the channel's
 * position (the newest entry when the stream opened, or the Last-Event-ID it
 * resumed from) as its id, so a client that reconnects before any event
 * arrives resumes from there and misses nothing.
 */
export const SSE_POSITION_EVENT = 'position';

export interface SseMessage {
  /** The `event:` field; `message` when the server sent none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The `id:` field, if any. */
  id?: string;
}

/**
 * Incremental SSE parser: feed it text as it arrives (chunks may split lines
 * anywhere); it calls `onMessage` for each complete event. Comments and
 * unknown fields are skipped; events without data are not dispatched.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  constructor(private readonly onMessage: (message: SseMessage) => void) {}

  push(text: string): void {
    this.buffer += text;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) return;
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) return;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id') this.id = value;
  }

  private dispatch(): void {
    const message: SseMessage | undefined = this.data.length > 0 ? { event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) } : undefined;
    this.event = '';
    this.data = [];
    this.id = undefined;
    if (message) this.onMessage(message);
  }
}
