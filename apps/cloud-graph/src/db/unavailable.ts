/**
 * A database outage is the server's trouble but not a bug: requests that need PostgreSQL while it is down (or
 * restarting, or refusing connections) answer 503 DATABASE_UNAVAILABLE with Retry-After, so clients and the
 * edge outbox retry instead of treating it as a permanent 500.
 */
import { IntelliOpticsError, isIntelliOpticsError } from '@intellioptics/schema';

/** Seconds a client should wait before retrying while the database is away. */
export const DATABASE_RETRY_AFTER_S = 2;

/** Node socket errors that mean "no connection to the database". */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * PostgreSQL SQLSTATEs of an unavailable server: class 08 (connection exception), 57P01-57P03 (admin
 * shutdown, crash shutdown, cannot connect now: the server is starting or stopping), 53300 (too many
 * connections).
 */
function unavailableSqlState(code: string): boolean {
  return (
    code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300'
  );
}

const MESSAGES = [
  /Connection terminated/i,
  /Connection ended unexpectedly/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  // knex, for the next query of a transaction whose connection died under it (it rolled the transaction back):
  // seen when PostgreSQL stops in the middle of a flush. A query after commit in our own code would read the same,
  // and would show up as steady 503s with this message in the 'database unavailable' warning.
  /Transaction query already complete/i,
];

/** True when `err` (or its cause chain) says the database cannot be reached right now. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, message, name, cause } = e as {
      code?: unknown;
      message?: unknown;
      name?: unknown;
      cause?: unknown;
    };
    if (name === 'ConnectionException') return true;
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || unavailableSqlState(code))) return true;
    if (typeof message === 'string' && MESSAGES.some((m) => m.test(message))) return true;
    e = cause;
  }
  return false;
}

/** `err` as the 503 to answer when the database is away; anything else unchanged. */
export function asDatabaseUnavailable(err: unknown): unknown {
  if (isIntelliOpticsError(err) || !isDatabaseUnavailable(err)) return err;
  return new IntelliOpticsError('DATABASE_UNAVAILABLE', undefined, {
    details: { retryAfterS: DATABASE_RETRY_AFTER_S },
    cause: err,
  });
}
