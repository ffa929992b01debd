/** The inference service's logger: libs/http's (pretty on a terminal, JSON lines otherwise; LOG_FORMAT). */
import { createLogger as createServiceLogger, type Logger } from '@intellioptics/http';

export type { Logger };

export function createLogger(level: string): Logger {
  return createServiceLogger({ service: 'inference', level });
}
