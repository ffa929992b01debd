/**
 * A switchable TCP-level front for the real cloud, as a load balancer would be: `pass` forwards every request,
 * `5xx` answers 503 (the cloud "answers but says nothing"), `offline` resets every connection (a network
 * error: the edge is offline). `fail500` makes the cloud's image-query upload fail with 500 for chosen ids
 * (a poison item). Counts what reached it, so tests can prove what happened without sleeping.
 */
import http from 'node:http';

export type ProxyMode = 'pass' | '5xx' | 'offline';

export class CloudProxy {
  mode: ProxyMode = 'pass';
  readonly fail500 = new Set<string>();
  /** Requests per path (without query) that reached the proxy, whatever the mode. */
  readonly hits = new Map<string, number>();
  private server: http.Server | null = null;
  url = '';

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    const target = new URL(this.target);
    this.server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://proxy');
      this.hits.set(u.pathname, (this.hits.get(u.pathname) ?? 0) + 1);
      if (this.mode === 'offline') return void req.socket.destroy();
      if (this.mode === '5xx') {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
        return void res.end(JSON.stringify({ detail: 'upstream unavailable', code: 'NOT_READY' }));
      }
      const iqId = u.searchParams.get('image_query_id');
      if (req.method === 'POST' && iqId && this.fail500.has(iqId)) {
        req.resume();
        res.writeHead(500, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ detail: 'Unexpected error.', code: 'INTERNAL' }));
      }
      const up = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => req.socket.destroy());
      req.pipe(up);
    });
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    return this.url;
  }

  hitsOf(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
