/** The edge's logger: libs/http's (one coloured line per event on a terminal, JSON lines otherwise; LOG_FORMAT). */
import { createLogger as createServiceLogger, type Logger } from '@intellioptics/http';
import type { LogLevel } from './config/env';

export type { Logger };

export function createLogger(level: LogLevel): Logger {
  return createServiceLogger({ service: 'edge-gateway', level });
}
