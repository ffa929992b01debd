/** Bounded request body reading. */
import type { IncomingMessage } from 'node:http';
import { IntelliOpticsError } from '@intellioptics/schema';

function tooLarge(limit: number): IntelliOpticsError {
  return new IntelliOpticsError(
    'PAYLOAD_TOO_LARGE',
    `The request body is larger than ${limit} bytes (${(limit / 1024 / 1024).toFixed(1)} MiB); send less.`,
  );
}

/**
 * The whole body, refusing with 413 PAYLOAD_TOO_LARGE as soon as the declared or the received size passes
 * `limit` (nothing past it is buffered). Node holds the stream until it is read, so this may run after the
 * token check; a body that is never read is dealt with by `sendProblem` (the connection is closed).
 */
export function readBody(req: IncomingMessage, options: { limit: number }): Promise<Buffer> {
  const { limit } = options;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (e: Error): void => {
      failed = true;
      req.removeListener('data', onData);
      reject(e);
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) fail(tooLarge(limit));
      else chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed)
        fail(new IntelliOpticsError('BAD_REQUEST', `The request body could not be read: ${e.message}`));
    });
  });
}

/** A JSON body: EMPTY_BODY when there is none, BAD_REQUEST when it is not JSON. */
export async function readJsonBody(req: IncomingMessage, options: { limit: number }): Promise<unknown> {
  const raw = await readBody(req, options);
  if (raw.length === 0) throw new IntelliOpticsError('EMPTY_BODY', 'Send a JSON body.');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new IntelliOpticsError('BAD_REQUEST', 'The body is not valid JSON.');
  }
}

/** The request came with a body nobody reads (it was refused first, and not drained with `req.resume()`). */
export function bodyUnread(req: IncomingMessage): boolean {
  if (req.readableEnded || req.readableFlowing === true) return false;
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}
