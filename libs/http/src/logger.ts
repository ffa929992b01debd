/**
 * The services' one logger: pino, as one coloured line per event when a person reads it (a terminal, or
 * `LOG_FORMAT=pretty` from `npm start`'s supervisor), JSON lines otherwise (collectors, files, pipes).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;

/** `LOG_FORMAT` (json | pretty | auto, default auto) and whether stdout is a terminal → the format used. */
export function resolveLogFormat(setting: string | undefined, stdoutIsTty: boolean): LogFormat {
  const s = (setting ?? '').trim().toLowerCase();
  if (s === 'json' || s === 'pretty') return s;
  if (s === '' || s === 'auto') return stdoutIsTty ? 'pretty' : 'json';
  throw new Error(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}; got ${JSON.stringify(setting)}.`);
}

/** Header and query names whose values never reach a log line. */
const SECRET_PATHS = [
  'req.headers["x-api-token"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers["x-api-token"]',
  'headers.authorization',
  'token',
  'apiToken',
  'password',
];

export interface LoggerOptions {
  service: string;
  level: string;
  /** Default: `resolveLogFormat(process.env.LOG_FORMAT, process.stdout.isTTY)`. */
  format?: LogFormat;
  /** Default stdout (tests pass a stream). */
  destination?: DestinationStream;
  /** Colours in pretty output; default: the destination is a colour terminal, or FORCE_COLOR is set. */
  colorize?: boolean;
}

export function createLogger(opts: LoggerOptions): Logger {
  const format = opts.format ?? resolveLogFormat(process.env.LOG_FORMAT, process.stdout.isTTY === true);
  const base = {
    level: opts.level,
    base: { service: opts.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: SECRET_PATHS, censor: '[redacted]' },
  };
  if (format === 'json') {
    return opts.destination ? pino(base, opts.destination) : pino(base);
  }
  const colorize =
    opts.colorize ??
    (Boolean(process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') ||
      (!opts.destination && process.stdout.isTTY === true && process.stdout.hasColors?.() === true));
  const pretty = PinoPretty({
    colorize,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    messageFormat: '{service} {msg}',
    ...(opts.destination ? { destination: opts.destination } : {}),
  });
  return pino(base, pretty);
}
