/** Writing answers: JSON serialised once, text, and problems from the one error catalogue (libs/schema). */
import type { ServerResponse } from 'node:http';
import { IntelliOpticsError, isIntelliOpticsError, type ProblemBody } from '@intellioptics/schema';
import { bodyUnread } from './body';

export type Headers = Record<string, string | number | readonly string[]>;

/** Sends an already serialised JSON body (serialise once when the same text is also stored). */
export function sendJsonText(res: ServerResponse, status: number, json: string, headers: Headers = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Headers = {}): void {
  sendJsonText(res, status, JSON.stringify(value), headers);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType = 'text/plain; charset=utf-8',
  headers: Headers = {},
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A 405 for a path that exists with other methods; `sendProblem` turns `allow` into the Allow header. */
export function methodNotAllowed(method: string, path: string, allow: readonly string[]): IntelliOpticsError {
  return new IntelliOpticsError(
    'METHOD_NOT_ALLOWED',
    `${method} is not allowed on ${path}; use ${allow.join(', ')}.`,
    {
      details: { allow: [...allow] },
    },
  );
}

/** Status, body and headers of the answer to `err`: its catalogue entry, or a masked 500. */
export function problemFor(err: unknown): { status: number; body: ProblemBody; headers: Headers } {
  const e = isIntelliOpticsError(err) ? err : new IntelliOpticsError('INTERNAL');
  const headers: Headers = {};
  const allow = e.details?.['allow'];
  if (e.code === 'METHOD_NOT_ALLOWED' && Array.isArray(allow)) headers.allow = allow.join(', ');
  // A transient refusal says when to come back (Groundlight clients and the edge outbox honour it).
  const retryAfterS = e.details?.['retryAfterS'];
  if (typeof retryAfterS === 'number') headers['retry-after'] = String(Math.ceil(retryAfterS));
  return { status: e.status, body: e.toProblem(), headers };
}

export interface SendProblemOptions {
  /** Echoed in `x-request-id`, so a client report can be matched with the server's log line. */
  requestId?: string | undefined;
  /** Extra headers (for example the edge-only mark). */
  headers?: Headers;
}

/**
 * Answers `err` as `{"detail", "code"}` with its status (anything not coded: 500 "Unexpected error.", which the
 * caller logs). A 413, or a refusal before the body was read, closes the connection instead of draining an
 * upload nobody wants. After the headers went out the socket is destroyed. Returns the status.
 */
export function sendProblem(res: ServerResponse, err: unknown, options: SendProblemOptions = {}): number {
  const { status, body, headers } = problemFor(err);
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  if (status === 413 || (res.req && bodyUnread(res.req))) headers.connection = 'close';
  if (options.requestId) headers['x-request-id'] = options.requestId;
  sendJson(res, status, body, { ...headers, ...options.headers });
  return status;
}
