/** Thin node:http helpers: JSON answers serialised once, `{"detail"}` problems, bounded body reads. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IntelliOpticsError, isIntelliOpticsError } from '@intellioptics/schema';
import type { Logger } from '../logger';

export const EDGE_ONLY_HEADER = 'X-IO-Edge-Only';
/** nginx discards the body of an intercepted response, so edge-only answers repeat it here (see nginx/README). */
export const EDGE_ONLY_BODY_HEADER = 'X-IO-Edge-Only-Body';

/** The headers that keep an answer on the edge: the mark, and the body as ASCII-escaped JSON for nginx. */
export function edgeOnlyHeaders(json: string): Record<string, string> {
  const ascii = json.replace(
    /[\u007f-\uffff]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
  return { [EDGE_ONLY_HEADER]: '1', [EDGE_ONLY_BODY_HEADER]: ascii };
}

export function sendJsonText(
  res: ServerResponse,
  status: number,
  json: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  sendJsonText(res, status, JSON.stringify(value), headers);
}

/**
 * Map any error to a response: catalogue errors to their status and `{"detail","code"}`, others to a masked
 * 500. `bodyUnread`: the request body was refused before it was read, so the connection is closed rather
 * than drained.
 */
export function sendError(res: ServerResponse, err: unknown, log: Logger, bodyUnread = false): number {
  if (res.headersSent) {
    res.destroy();
    return 500;
  }
  if (isIntelliOpticsError(err)) {
    const problem = err.toProblem();
    const headers: Record<string, string> =
      'edgeOnly' in err && err.edgeOnly === true ? edgeOnlyHeaders(JSON.stringify(problem)) : {};
    if (err.status === 413 || bodyUnread) headers.connection = 'close';
    sendJson(res, err.status, problem, headers);
    return err.status;
  }
  log.error({ err }, 'unexpected error');
  sendJson(res, 500, new IntelliOpticsError('INTERNAL').toProblem());
  return 500;
}

/** Read the whole body, refusing (413) as soon as it passes `max` bytes. */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    return Promise.reject(tooLarge(max));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        reject(tooLarge(max));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed)
        reject(new IntelliOpticsError('BAD_REQUEST', `The request body could not be read: ${e.message}`));
    });
  });
}

function tooLarge(max: number): IntelliOpticsError {
  return new IntelliOpticsError(
    'PAYLOAD_TOO_LARGE',
    `The request body is larger than ${Math.round(max / 1024 / 1024)} MB.`,
  );
}

export async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  const body = await readBody(req, max);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new IntelliOpticsError('BAD_REQUEST', 'The request body is not valid JSON.');
  }
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
