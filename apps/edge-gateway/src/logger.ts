/** Structured JSON logs (pino). Debug lines cost one level check when the level is higher. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/env';

export type { Logger };

export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'edge-gateway' }, timestamp: pino.stdTimeFunctions.isoTime });
}
