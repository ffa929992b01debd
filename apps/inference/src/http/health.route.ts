/** /health/live, /health/ready and /metrics: served on both the API port and the health port. */
import type { ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { sendJson } from './http-utils';

export interface Readiness {
  ready: boolean;
  detail: string;
  backbone: string | null;
}

/** Returns true when the path was a health/metrics route and has been answered. */
export async function handleHealth(
  path: string,
  res: ServerResponse,
  readiness: () => Readiness,
  registry: Registry,
): Promise<boolean> {
  switch (path) {
    case '/health/live':
      sendJson(res, 200, { status: 'ok' });
      return true;
    case '/health/ready': {
      const r = readiness();
      sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not_ready', ...r });
      return true;
    }
    case '/metrics': {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(body);
      return true;
    }
    default:
      return false;
  }
}
