import Redis from 'ioredis';

/** Time allowed to connect before a fail-fast client counts Redis as down. */
export const FAIL_FAST_CONNECT_TIMEOUT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * A Redis client for callers that have an answer without Redis (the rate
 * limiter's in-process buckets, the entity cache's miss): no offline queue
 * and a short command timeout, so while Redis is down or slow a command fails
 * at once instead of waiting; ioredis reconnects on its own.
 */
export function createFailFastRedis(url: string, commandTimeoutMs: number): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: FAIL_FAST_CONNECT_TIMEOUT_MS,
    // A command in flight when the connection drops fails now, never replays later.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    // disconnect() while reconnecting arms a timer for a socket that is already closed (default 2 s): keep it short.
    disconnectTimeout: 100,
  });
}
