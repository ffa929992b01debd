/**
 * The edge's own cloud fallback: a request the edge does not serve (or answers 404/405/422, see
 * forward-rule.ts) is replayed to CLOUD_URL with the same method, path, query and body bytes and the CALLER's
 * headers (its `x-api-token`, never the edge's). So a Groundlight client works against the edge with or without
 * nginx in front. The request body is buffered up to a bound (it must be replayable); the cloud's answer is
 * buffered too, so write-through hooks can read it (write-through.ts), then returned with `X-IO-Served-By: cloud`.
 * When the cloud cannot be reached the answer is 503 CLOUD_UNREACHABLE with the edge-only mark, so nginx
 * returns it instead of trying the same unreachable cloud again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendProblem } from '@intellioptics/http';
import { IntelliOpticsError } from '@intellioptics/schema';
import { HttpClient, jsonBody, type HttpResponse } from '../http/http-client';
import { edgeOnlyHeaders } from './edge-only';

export const SERVED_BY_HEADER = 'x-io-served-by';

/** As nginx's proxy_read_timeout: a forwarded call may take as long as the cloud takes to answer it. */
const DEFAULT_FORWARD_TIMEOUT_MS = 30_000;

// Hop-by-hop headers (RFC 9110 §7.6.1) and the ones node:http recomputes.
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'host',
]);

export type ForwardOutcome = { ok: true; response: HttpResponse } | { ok: false; detail: string };

export interface CloudForwarderOptions {
  cloudUrl: string;
  /** Largest request body replayed (413 beyond). */
  maxBodyBytes: number;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

export class CloudForwarder {
  private readonly http: HttpClient;
  private readonly cloudHost: string;

  constructor(private readonly options: CloudForwarderOptions) {
    this.http = new HttpClient(options.cloudUrl, { maxSockets: 32 });
    this.cloudHost = new URL(options.cloudUrl).host;
  }

  /** The request body, bounded: a body too large to replay is the client's 413. */
  readReplayableBody(req: IncomingMessage): Promise<Buffer> {
    return readBody(req, { limit: this.options.maxBodyBytes });
  }

  /** Sends the caller's request (`req.url` as it came, `body` as read) to the cloud. */
  async send(req: IncomingMessage, body: Buffer): Promise<ForwardOutcome> {
    const method = (req.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    headers.host = this.cloudHost;
    const forwardedFor = req.socket.remoteAddress;
    if (forwardedFor) {
      headers['x-forwarded-for'] = headers['x-forwarded-for']
        ? `${headers['x-forwarded-for']}, ${forwardedFor}`
        : forwardedFor;
    }
    const hasBody = body.length > 0 || (method !== 'GET' && method !== 'HEAD');
    const r = await this.http.request(req.url ?? '/', {
      method,
      headers,
      ...(hasBody ? { body } : {}),
      timeoutMs: this.options.timeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS,
      ...(this.options.maxResponseBytes ? { maxResponseBytes: this.options.maxResponseBytes } : {}),
    });
    if (!r.ok) return { ok: false, detail: r.kind === 'timeout' ? 'timed out' : r.message };
    return { ok: true, response: r.response };
  }

  /** A GET of the cloud's JSON with the caller's token (null when there is no 2xx JSON answer). */
  async getJson(path: string, token: string): Promise<unknown> {
    const r = await this.http.request(path, {
      headers: { accept: 'application/json', 'x-api-token': token },
      timeoutMs: this.options.timeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS,
    });
    if (!r.ok || r.response.status < 200 || r.response.status >= 300) return null;
    return jsonBody(r.response);
  }

  /** Writes the cloud's answer to the caller, or a 503 when there was none. */
  reply(req: IncomingMessage, res: ServerResponse, outcome: ForwardOutcome): number {
    if (!outcome.ok) {
      const err = unreachable(outcome.detail);
      return sendProblem(res, err, { headers: edgeOnlyHeaders(JSON.stringify(err.toProblem())) });
    }
    const { status, headers, body } = outcome.response;
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
    }
    out[SERVED_BY_HEADER] = 'cloud';
    out['content-length'] = String(body.length);
    res.writeHead(status, out);
    res.end(req.method === 'HEAD' ? undefined : body);
    return status;
  }

  close(): void {
    this.http.close();
  }
}

function unreachable(detail: string): IntelliOpticsError {
  return new IntelliOpticsError(
    'CLOUD_UNREACHABLE',
    `The edge does not answer this request itself and the cloud cannot be reached (${detail}); retry later.`,
    { details: { retryAfterS: 5 } },
  );
}
