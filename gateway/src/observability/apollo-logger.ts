import type { Logger as ApolloLogger } from '@apollo/utils.logger';
import type { Logger } from '../../../lib/logger';

/** Apollo's libraries log through our structured logger. */
export function toApolloLogger(logger: Logger): ApolloLogger {
  const join = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ');
  return {
    debug: (...args: unknown[]) => logger.debug(join(args)),
    info: (...args: unknown[]) => logger.info(join(args)),
    warn: (...args: unknown[]) => logger.warn(join(args)),
    error: (...args: unknown[]) => logger.error(join(args)),
  };
}
