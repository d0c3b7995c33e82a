import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '@airlock/database';

/** Routes kafkajs's own logging into our structured logger; its chatty INFO lines become debug. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log as typeof log & { logger?: unknown };
      const entry = { component: 'kafkajs', namespace, ...fields };
      if (level === logLevel.ERROR) logger.error(entry, message);
      else if (level === logLevel.WARN) logger.warn(entry, message);
      else logger.debug(entry, message);
    };
}
