import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import type { Logger } from './logger';

type ApolloLogger = NonNullable<ApolloServerOptions<BaseContext>['logger']>;

/**
 * Apollo Server and Apollo Gateway log through our structured logger: the
 * strings make the message; an Error goes to `error` and anything else to
 * `details`, both serialized by pino (never a JSON.stringify that can throw).
 */
export function toApolloLogger(logger: Logger): ApolloLogger {
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]) => {
    const words: string[] = [];
    let error: Error | undefined;
    const details: unknown[] = [];
    for (const arg of args) {
      if (typeof arg === 'string') words.push(arg);
      else if (arg instanceof Error && !error) {
        error = arg;
        words.push(arg.message);
      } else details.push(arg);
    }
    const fields = error || details.length > 0 ? { ...(error && { error }), ...(details.length > 0 && { details }) } : undefined;
    logger[level](words.join(' '), fields);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
