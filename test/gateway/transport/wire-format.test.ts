import type { IncomingMessage } from 'node:http';
import { closeReason, nextMessage, nextMessagePrefix, errorMessage, pongMessage } from '../../../gateway/src/transport/graphql-ws/protocol';
import { nextEvent, wantsEventStream } from '../../../gateway/src/transport/sse/protocol';

const withAccept = (accept?: string) => ({ headers: accept === undefined ? {} : { accept } }) as IncomingMessage;

describe('wire format', () => {
  it('splices a serialized result into a next message without parsing it', () => {
    const resultJson = '{"data":{"ticks":1}}';
    const message = nextMessage(nextMessagePrefix('op "1"'), resultJson);
    expect(message).toBe('{"id":"op \\"1\\"","type":"next","payload":{"data":{"ticks":1}}}');
    expect(JSON.parse(message)).toEqual({ id: 'op "1"', type: 'next', payload: { data: { ticks: 1 } } });
  });

  it('never sends an error message without errors (clients reject those)', () => {
    expect(JSON.parse(errorMessage('1', [])).payload).toEqual([{ message: 'The operation failed' }]);
  });

  it('echoes a ping payload in the pong, and leaves the payload out when there was none', () => {
    expect(pongMessage({ n: 1 })).toBe('{"type":"pong","payload":{"n":1}}');
    expect(pongMessage(null)).toBe('{"type":"pong"}');
  });

  it('keeps a close reason within the 123 bytes RFC 6455 allows, counting bytes not characters', () => {
    expect(closeReason('Subscriber for a already exists', 'fallback')).toBe('Subscriber for a already exists');
    expect(closeReason('é'.repeat(62), 'fallback')).toBe('fallback');
    expect(closeReason('e'.repeat(123), 'fallback')).toBe('e'.repeat(123));
  });

  it('writes a result with line breaks as several data lines of one event', () => {
    expect(nextEvent('{"data":{"ticks":1}}')).toBe('event: next\ndata: {"data":{"ticks":1}}\n\n');
    expect(nextEvent('{\n  "data": 1\r\n}')).toBe('event: next\ndata: {\ndata:   "data": 1\ndata: }\n\n');
  });

  it.each([
    ['text/event-stream', true],
    ['application/json, text/event-stream;q=0.9', true],
    ['Text/Event-Stream; charset=utf-8', true],
    ['text/event-stream;q=0', false],
    ['application/json', false],
    ['*/*', false],
    [undefined, false],
  ])('routes Accept %p to the SSE handler: %p', (accept, expected) => {
    expect(wantsEventStream(withAccept(accept))).toBe(expected);
  });
});
