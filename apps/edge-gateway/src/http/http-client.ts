/**
 * A small keep-alive HTTP client on node:http. One Agent per upstream (inference, cloud) so connections are
 * reused; every call has a deadline. Network failures and timeouts are returned as values, not thrown, so
 * callers classify them (retry policy) without try/catch ladders.
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type HttpResult =
  | { ok: true; response: HttpResponse }
  | { ok: false; kind: 'network'; message: string }
  | { ok: false; kind: 'timeout' };

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  timeoutMs: number;
  /** Largest response body accepted (default 64 MiB). */
  maxResponseBytes?: number;
}

export class HttpClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly mod: typeof http | typeof https;

  constructor(baseUrl: string, options: { maxSockets?: number } = {}) {
    this.base = new URL(baseUrl);
    this.mod = this.base.protocol === 'https:' ? https : http;
    const AgentClass = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new AgentClass({
      keepAlive: true,
      keepAliveMsecs: 10_000,
      maxSockets: options.maxSockets ?? 64,
      maxFreeSockets: options.maxSockets ?? 64,
      scheduling: 'lifo',
    });
  }

  get baseUrl(): string {
    return this.base.origin + this.base.pathname.replace(/\/+$/, '');
  }

  /** `pathAndQuery` is relative to the base URL (a leading slash is kept) or an absolute URL. */
  request(pathAndQuery: string, options: RequestOptions): Promise<HttpResult> {
    const absolute = /^https?:\/\//.test(pathAndQuery);
    const url = absolute ? new URL(pathAndQuery) : null;
    const mod = url ? (url.protocol === 'https:' ? https : http) : this.mod;
    const max = options.maxResponseBytes ?? 64 * 1024 * 1024;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: HttpResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const headers: Record<string, string | number> = { ...options.headers };
      if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
      const req = mod.request(
        url
          ? {
              method: options.method ?? 'GET',
              hostname: url.hostname,
              port: url.port,
              path: url.pathname + url.search,
              headers,
            }
          : {
              method: options.method ?? 'GET',
              hostname: this.base.hostname,
              port: this.base.port,
              path: this.base.pathname.replace(/\/+$/, '') + pathAndQuery,
              headers,
              agent: this.agent,
            },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > max) {
              req.destroy();
              finish({ ok: false, kind: 'network', message: `response larger than ${max} bytes` });
              return;
            }
            chunks.push(c);
          });
          res.on('end', () =>
            finish({
              ok: true,
              response: {
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
              },
            }),
          );
          res.on('error', (e) => finish({ ok: false, kind: 'network', message: e.message }));
        },
      );
      const timer = setTimeout(() => {
        finish({ ok: false, kind: 'timeout' });
        req.destroy();
      }, options.timeoutMs);
      req.on('error', (e) => finish({ ok: false, kind: 'network', message: e.message }));
      if (options.body !== undefined) req.end(options.body);
      else req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** JSON body of a response, or null when it is not JSON. */
export function jsonBody(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.body.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

/** `detail` of a `{"detail": …}` problem body, else a short text excerpt. */
export function problemDetail(response: HttpResponse): string {
  const json = jsonBody(response);
  if (json && typeof json === 'object' && 'detail' in json) {
    const d = json.detail;
    return typeof d === 'string' ? d : JSON.stringify(d);
  }
  return response.body.toString('utf8').slice(0, 300);
}

export function problemCode(response: HttpResponse): string | null {
  const json = jsonBody(response);
  if (json && typeof json === 'object' && 'code' in json) {
    const c = json.code;
    return typeof c === 'string' ? c : null;
  }
  return null;
}
