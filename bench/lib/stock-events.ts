/**
 * StockChanged events appended straight to their Redis log at a fixed rate,
 * as the inventory subgraph's scripts append them: the catalogue's
 * `createEvent` through a `RedisEventLog` (XADD, trim and PUBLISH in one script). Each event's `occurredAt` is the moment it is
 * sent (ms precision), so a subscriber in a process with the same clock
 * measures publish-to-receive latency as receive time - occurredAt.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisEventLog, createEvent, productKey } from '../../lib/events';

export interface PublishRun {
  /** Events appended to the log (the script answered). */
  published: number;
  /** Appends that failed. */
  failed: number;
  /** The first and last event's occurredAt (epoch ms). */
  firstAt: number;
  lastAt: number;
  /** Most an event was sent after its slot in the schedule: how faithfully the rate was kept. */
  maxLateMs: number;
  /** The log ids of the events appended, in append order. */
  ids: string[];
}

export class StockEventPublisher {
  private stock = 1_000_000;

  private constructor(private readonly log: RedisEventLog) {}

  static async connect(redisUrl: string): Promise<StockEventPublisher> {
    return new StockEventPublisher(await RedisEventLog.connect(redisUrl));
  }

  /**
   * Publishes `ratePerSec` events a second for `durationMs` about `productId`,
   * each at its slot of a fixed schedule (start + i / rate), not after the
   * previous one: a slow PUBLISH does not lower the rate. Stops early when `signal` aborts.
   */
  async publishAtRate(ratePerSec: number, durationMs: number, productId: string, signal?: AbortSignal): Promise<PublishRun> {
    const periodMs = 1_000 / ratePerSec;
    const total = Math.max(1, Math.round((ratePerSec * durationMs) / 1_000));
    const start = performance.now();
    const sends: Array<Promise<void>> = [];
    const run: PublishRun = { published: 0, failed: 0, firstAt: 0, lastAt: 0, maxLateMs: 0, ids: [] };
    const ids: Array<string | undefined> = [];
    for (let i = 0; i < total && !signal?.aborted; i++) {
      const slot = start + i * periodMs;
      const wait = slot - performance.now();
      if (wait > 0) await sleep(wait);
      if (signal?.aborted) break;
      run.maxLateMs = Math.max(run.maxLateMs, performance.now() - slot);
      const sentAt = Date.now();
      if (i === 0) run.firstAt = sentAt;
      run.lastAt = sentAt;
      this.stock--;
      const event = createEvent(
        'StockChanged',
        { entity: productKey(productId), productId, warehouseId: 'wh-1', delta: -1, onHand: this.stock, reserved: 0, available: this.stock, reason: 'bench' },
        new Date(sentAt),
      );
      const slotIndex = i;
      sends.push(
        this.log.append([event]).then(
          ([id]) => {
            run.published++;
            ids[slotIndex] = id;
          },
          () => void run.failed++,
        ),
      );
    }
    await Promise.all(sends);
    run.ids = ids.filter((id): id is string => id !== undefined);
    return run;
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
