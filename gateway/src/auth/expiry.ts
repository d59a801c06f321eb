import type { Caller } from './caller';

/** setTimeout holds at most ~24.8 days; longer-lived tokens are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `onExpired` once, when the caller's token expires (at once if it
 * already has); never for an anonymous caller or a token without expiry.
 * Long-lived connections (WebSocket, SSE streams) end what runs on a token
 * at its expiry with this; every new operation is checked by the pipeline.
 * Returns the cancel function.
 */
export function onCallerExpiry(caller: Caller, onExpired: () => void, now: () => number = Date.now): () => void {
  if (caller.expiresAt === null) return () => {};
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = () => {
    const left = caller.expiresAt! - now();
    if (left <= 0) {
      if (!cancelled) onExpired();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
