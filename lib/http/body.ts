import type { IncomingMessage } from 'node:http';
import { HttpError, TransportErrorCode } from './errors';

/**
 * Reads a request body, refusing anything over `limit` bytes. A declared
 * Content-Length over the limit is refused before a byte is read; a chunked
 * body is refused as soon as it crosses the limit, so memory stays bounded.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(payloadTooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(payloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new HttpError(400, TransportErrorCode.BadRequest, `Request body could not be read: ${err.message}`));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function payloadTooLarge(limit: number): HttpError {
  return new HttpError(413, TransportErrorCode.PayloadTooLarge, `Request body exceeds the limit of ${limit} bytes`, {
    connection: 'close',
  });
}

/** Parses a JSON request body; malformed JSON is the client's error, never a crash. */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) {
    throw new HttpError(400, TransportErrorCode.BadRequest, 'Request body is empty; expected a JSON object with a "query"');
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, TransportErrorCode.BadRequest, `Malformed JSON body: ${(err as Error).message}`);
  }
}
