import type { Logger } from './logger';

/**
 * Runs `shutdown` once on SIGINT or SIGTERM, then exits. A second signal
 * exits at once (an impatient Ctrl-C), so nothing can hang the terminal.
 */
export function onShutdownSignal(shutdown: (signal: string) => Promise<void>, logger: Logger): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('second signal received, exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    shutdown(signal).then(
      () => process.exit(0),
      (error) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** A stray rejection is logged, never allowed to take the process down with every other request. */
export function logUnhandledRejections(logger: Logger): void {
  process.on('unhandledRejection', (reason) => logger.error('unhandled promise rejection', { error: reason }));
}
