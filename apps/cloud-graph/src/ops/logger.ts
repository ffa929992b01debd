import { createLogger as createServiceLogger, type Logger } from '@intellioptics/http';

export type { Logger };

/** libs/http's logger: pretty on a terminal, JSON lines otherwise (LOG_FORMAT); `LOG_LEVEL=silent` costs nothing. */
export function createLogger(level: string, service = 'cloud-graph'): Logger {
  return createServiceLogger({ service, level });
}
