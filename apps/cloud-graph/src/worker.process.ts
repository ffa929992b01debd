/**
 * The training worker process over a composed cloud: the job loop plus a health server for orchestrators
 * (compose, Kubernetes) and Prometheus, on PORT. `/metrics` is the process's registry (training jobs and
 * durations, the queue gauges, process metrics), behind METRICS_TOKEN when set (ops/metrics-auth.ts);
 * `/health/live` answers 200 while the process runs; every other path is readiness: 200 while the loop runs
 * and the database answers, 503 otherwise.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTrainingWorker, type Cloud } from './composition';
import type { TrainingWorkerConfig } from './modules/learning/training.config';
import type { TrainingWorker } from './modules/learning/training.worker';
import { mayScrape } from './ops/metrics-auth';

export interface WorkerProcess {
  worker: TrainingWorker;
  health: Server;
  /** Starts the job loop and the health server. */
  start(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Not ready at once; stops after the current job. */
  close(): Promise<void>;
}

export function buildWorkerProcess(cloud: Cloud, config: TrainingWorkerConfig): WorkerProcess {
  const worker = createTrainingWorker(cloud, config);
  let running = false;
  const ready = async () => {
    if (!running) return false;
    try {
      await cloud.deps.orm.em.fork().getConnection().execute('select 1');
      return true;
    } catch {
      return false;
    }
  };
  const health = createServer((req, res) => {
    void (async () => {
      if (req.url?.split('?')[0] === '/metrics') {
        const { registry } = cloud.metrics;
        if (!mayScrape(cloud.env.metrics.token, req.headers.authorization)) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              detail: 'Send Authorization: Bearer <METRICS_TOKEN>.',
              code: 'UNAUTHENTICATED',
            }),
          );
          return;
        }
        const body = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(body);
        return;
      }
      const ok = req.url?.startsWith('/health/live') || (await ready());
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { status: 'ready' } : { detail: 'not ready', code: 'NOT_READY' }));
    })();
  });
  return {
    worker,
    health,
    async start(port = cloud.env.http.port, host = cloud.env.http.host) {
      worker.start();
      running = true;
      await new Promise<void>((resolve, reject) => {
        health.once('error', reject);
        health.listen(port, host, () => resolve());
      });
      const address = health.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      return { url: `http://${shownHost}:${address.port}`, port: address.port };
    },
    async close() {
      running = false;
      const closed = new Promise<void>((resolve) => health.close(() => resolve()));
      health.closeAllConnections();
      await worker.stop();
      await closed;
    },
  };
}
