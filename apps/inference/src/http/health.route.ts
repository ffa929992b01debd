/** /health/live, /health/ready and /metrics: served on both the API port and the health port. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, sendText, type Router } from '@intellioptics/http';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  detail: string;
  backbone: string | null;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Adds the health and metrics routes to `router`. */
export function addHealthRoutes(
  router: Router<RouteHandler>,
  readiness: () => Readiness,
  registry: Registry,
): Router<RouteHandler> {
  return router
    .add('GET', '/health/live', async (_req, res) => sendJson(res, 200, { status: 'ok' }))
    .add('GET', '/health/ready', async (_req, res) => {
      const r = readiness();
      sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not_ready', ...r });
    })
    .add('GET', '/metrics', async (_req, res) =>
      sendText(res, 200, await registry.metrics(), registry.contentType),
    );
}
