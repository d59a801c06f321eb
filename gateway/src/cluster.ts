/**
 * Several gateway processes on one host with node:cluster. The primary serves
 * nothing: it forks `workers` gateway processes that listen on the same port
 * (cluster's shared listening socket; the primary hands each new connection
 * to the next worker), replaces a worker that dies, and on SIGTERM/SIGINT
 * asks every worker to drain and exits once they all have. Workers share
 * nothing but Redis, exactly like replicas on several hosts.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../../lib/logger';
import type { RunningGateway } from './gateway';

/** IPC messages between the primary and its workers. */
export const WorkerMessage = {
  /** worker → primary: the gateway is listening. */
  Ready: 'gateway:ready',
  /** primary → worker: drain and exit 0 (the primary got SIGTERM/SIGINT). */
  Shutdown: 'gateway:shutdown',
} as const;

export interface RestartBackoff {
  /** Delay before the first restart of a worker that died. */
  initialMs: number;
  /** The delay doubles with each death in a row, up to this. */
  maxMs: number;
  /** A worker that lived this long starts over at `initialMs`. */
  resetAfterMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoff = { initialMs: 100, maxMs: 10_000, resetAfterMs: 30_000 };

export interface PrimaryOptions {
  workers: number;
  logger: Logger;
  /** How long the primary waits after a shutdown signal before killing workers that have not drained (longer than their shutdownGraceMs). */
  shutdownTimeoutMs: number;
  restartBackoff?: RestartBackoff;
}

/** One of the `workers` places; a dead worker's replacement takes its slot and its backoff. */
interface Slot {
  index: number;
  /** Deaths in a row (reset by a long enough life); sets the next restart delay. */
  deaths: number;
  startedAt: number;
  /** Some worker of this slot has been ready once. */
  everReady: boolean;
  restartTimer?: NodeJS.Timeout;
}

/**
 * Runs the primary process: forks the workers and keeps them running. A
 * worker that dies before every slot has been ready once is a start-up
 * failure (a bad supergraph fails every worker alike): the primary stops and
 * exits 1. Afterwards a dead worker is replaced after its slot's backoff.
 */
export function runPrimary({ workers, logger, shutdownTimeoutMs, restartBackoff = DEFAULT_RESTART_BACKOFF }: PrimaryOptions): void {
  const slots: Slot[] = Array.from({ length: workers }, (_, index) => ({ index, deaths: 0, startedAt: 0, everReady: false }));
  const live = new Map<Worker, Slot>();
  let started = false;
  let stopping = false;
  let exitCode = 0;

  const fork = (slot: Slot) => {
    const worker = cluster.fork();
    slot.startedAt = Date.now();
    live.set(worker, slot);
    const pid = worker.process.pid;
    worker.on('message', (message: unknown) => {
      if (!isMessage(message, WorkerMessage.Ready)) return;
      slot.everReady = true;
      logger.info('worker ready', { worker: worker.id, pid, slot: slot.index });
      if (!started && slots.every((s) => s.everReady)) {
        started = true;
        logger.info('every worker is ready', { workers });
      }
    });
    worker.once('exit', (code, signal) => {
      live.delete(worker);
      if (stopping) {
        if (code !== 0) exitCode = 1;
        if (live.size === 0) {
          logger.info('every worker has exited', { exitCode });
          process.exit(exitCode);
        }
        return;
      }
      if (!started && !slot.everReady) {
        logger.error('a worker failed to start; stopping the gateway', { worker: worker.id, pid, code, signal });
        return shutdown(1);
      }
      if (Date.now() - slot.startedAt >= restartBackoff.resetAfterMs) slot.deaths = 0;
      const restartInMs = Math.min(restartBackoff.maxMs, restartBackoff.initialMs * 2 ** slot.deaths);
      slot.deaths++;
      logger.error('worker exited unexpectedly; restarting it', { worker: worker.id, pid, code, signal, slot: slot.index, restartInMs });
      slot.restartTimer = setTimeout(() => {
        slot.restartTimer = undefined;
        if (!stopping) fork(slot);
      }, restartInMs);
    });
  };

  const shutdown = (code: number) => {
    stopping = true;
    exitCode = code;
    for (const slot of slots) clearTimeout(slot.restartTimer);
    if (live.size === 0) process.exit(exitCode);
    for (const worker of live.keys()) {
      if (worker.isConnected()) worker.send({ type: WorkerMessage.Shutdown });
    }
    setTimeout(() => {
      logger.error('workers did not exit in time after shutdown; killing them', { pids: [...live.keys()].map((w) => w.process.pid), shutdownTimeoutMs });
      killAll();
      process.exit(1);
    }, shutdownTimeoutMs).unref();
  };

  const killAll = () => {
    for (const worker of live.keys()) worker.process.kill('SIGKILL');
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('second signal received, killing the workers and exiting now', { signal });
      killAll();
      process.exit(1);
    }
    logger.info('shutting down: asking every worker to drain', { signal, workers: live.size });
    shutdown(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  logger.info('starting gateway workers', { workers, primaryPid: process.pid });
  for (const slot of slots) fork(slot);
}

export interface WorkerLifecycle {
  /** The gateway is listening: tell the primary, and drain it on shutdown. */
  serving(gateway: RunningGateway): void;
}

/**
 * Runs in each worker, before the gateway starts: a shutdown asked for by the
 * primary or by a signal (a terminal's Ctrl-C reaches every process of the
 * group) drains the gateway once and exits 0; a second signal exits at once.
 * Should the primary die, node:cluster ends the worker with it.
 */
export function startWorkerLifecycle(logger: Logger): WorkerLifecycle {
  let gateway: RunningGateway | undefined;
  let stopping = false;
  let signals = 0;

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { reason });
    // Not serving yet: nothing to drain.
    (gateway ? gateway.close() : Promise.resolve()).then(
      () => process.exit(0),
      (error) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };

  process.on('message', (message: unknown) => {
    if (isMessage(message, WorkerMessage.Shutdown)) stop('the primary asked');
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn('second signal received, exiting now', { signal });
      process.exit(1);
    }
    stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  return {
    serving(running) {
      gateway = running;
      process.send?.({ type: WorkerMessage.Ready });
    },
  };
}

function isMessage(message: unknown, type: string): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
