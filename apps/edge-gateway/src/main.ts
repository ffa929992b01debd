/** Reads env, builds the gateway, listens on PORT; SIGTERM/SIGINT drain and close the state store. */
import { loadEnv } from './config/env';
import { createLogger } from './logger';
import { buildServer } from './server';

const env = loadEnv();
const log = createLogger(env.log.level);
if (!env.cloud.edgeApiToken)
  log.warn('EDGE_API_TOKEN is not set: escalations cannot be delivered to the cloud');

const gateway = await buildServer({ env, log });
await gateway.start();
const port = await gateway.listen(env.http.port, env.http.host);
log.info(
  { port, ioHome: env.paths.ioHome, inference: env.inference.url, cloud: env.cloud.url },
  'edge-gateway listening',
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    gateway.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
process.on('unhandledRejection', (e) => log.error({ err: e }, 'unhandled rejection'));
