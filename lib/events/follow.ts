import { compareEventIds, type EntryHandler, type LogEntry } from './log';

/** Entries read per round trip while catching up. */
export const CATCH_UP_BATCH = 500;
/** Live entries held while catching up; beyond it they are dropped and read from the log instead. */
const MAX_HELD = 10_000;

/**
 * Follows a channel from `after`: live entries (from `attach`, which delivers
 * them in log order from the moment it is called) are held while the entries
 * after `after` are read from the log, then the held ones that were not read
 * are released, so each entry is delivered once and in order. Held entries
 * are bounded: on overflow they are dropped and the log is read again (they
 * are in it). Rejects (detached) when a read fails, e.g. EventsExpiredError.
 */
export async function followFrom(
  read: (after: string, limit: number) => Promise<LogEntry[]>,
  attach: (handler: EntryHandler) => () => void,
  after: string,
  onEntry: EntryHandler,
): Promise<() => void> {
  let position = after;
  let held: LogEntry[] | null = [];
  let overflowed = false;
  const deliver = (entry: LogEntry) => {
    if (compareEventIds(entry.id, position) <= 0) return;
    position = entry.id;
    onEntry(entry);
  };
  const detach = attach((entry) => {
    if (held === null) return deliver(entry);
    if (held.length >= MAX_HELD) {
      held = [];
      overflowed = true;
    }
    held.push(entry);
  });
  try {
    for (;;) {
      for (;;) {
        const entries = await read(position, CATCH_UP_BATCH);
        for (const entry of entries) deliver(entry);
        if (entries.length < CATCH_UP_BATCH) break;
      }
      if (!overflowed) break;
      overflowed = false;
    }
  } catch (error) {
    detach();
    throw error;
  }
  const release = held;
  held = null;
  for (const entry of release) deliver(entry);
  return detach;
}
