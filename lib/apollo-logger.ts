import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import type { Logger } from './logger';

type ApolloLogger = NonNullable<ApolloServerOptions<BaseContext>['logger']>;

/** Apollo Server and Apollo Gateway log through our structured logger. */
export function toApolloLogger(logger: Logger): ApolloLogger {
  const join = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ');
  return {
    debug: (...args: unknown[]) => logger.debug(join(args)),
    info: (...args: unknown[]) => logger.info(join(args)),
    warn: (...args: unknown[]) => logger.warn(join(args)),
    error: (...args: unknown[]) => logger.error(join(args)),
  };
}
