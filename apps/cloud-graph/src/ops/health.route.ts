import type { RestRouter } from '../http/rest';
import type { Orm } from '../db/orm';
import type { Registry } from 'prom-client';
import { IntelliOpticsError } from '@intellioptics/schema';
import { mayScrape } from './metrics-auth';

export function opsRoutes(
  router: RestRouter,
  orm: Orm,
  registry: Registry,
  metricsToken: string | null = null,
): void {
  router.add('GET', '/health/live', async () => ({ status: 200, json: { status: 'alive' } }));
  router.add('GET', '/health/ready', async () => {
    try {
      await orm.em.fork().getConnection().execute('select 1');
      return { status: 200, json: { status: 'ready' } };
    } catch {
      return { status: 503, json: { detail: 'not ready: the database is unreachable', code: 'NOT_READY' } };
    }
  });
  router.add('GET', '/ping', async () => ({ status: 200, json: { message: 'Hello!' } }));
  router.add('GET', '/metrics', async (req) => {
    if (!mayScrape(metricsToken, req.raw.headers.authorization)) {
      throw new IntelliOpticsError('UNAUTHENTICATED', 'Send Authorization: Bearer <METRICS_TOKEN>.');
    }
    return {
      status: 200,
      body: Buffer.from(await registry.metrics()),
      contentType: registry.contentType,
    };
  });
}
