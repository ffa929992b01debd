import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../src/config/env';
import { createDeps } from '../src/deps';
import { createLogger } from '../src/ops/logger';
import { Detector } from '../src/modules/detectors/detector.entity';
import { newId } from '@intellioptics/schema';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('embedded default (no DATABASE_URL)', () => {
  it('runs PGlite behind pglite-socket under $IO_HOME/cloud/pgdata, applies the migrations, and keeps data', async () => {
    const home = await mkdtemp(join(tmpdir(), 'io-home-'));
    dirs.push(home);
    const env = parseEnv({ IO_HOME: home, LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '4' });
    expect(env.database).toMatchObject({ kind: 'embedded', dataDir: join(home, 'cloud/pgdata') });
    const logger = createLogger('silent');

    const first = await createDeps(env, logger);
    const id = newId('detector');
    try {
      expect(await first.orm.getMigrator().getPendingMigrations()).toEqual([]);
      const em = first.orm.em.fork();
      em.create(Detector, {
        id,
        name: 'embedded',
        query: 'Is it there?',
        groupName: 'default',
        mode: 'BINARY',
        confidenceThreshold: 0.9,
        patienceTime: 30,
        status: 'ON',
        escalationType: 'STANDARD',
      });
      await em.flush();
      // More concurrent queries than one connection: the socket server must allow the whole pool.
      const counts = await Promise.all(
        Array.from({ length: 6 }, () => first.orm.em.fork().count(Detector, {})),
      );
      expect(counts).toEqual([1, 1, 1, 1, 1, 1]);
    } finally {
      await first.close();
    }

    const second = await createDeps(env, logger);
    try {
      const found = await second.orm.em.fork().findOne(Detector, { id });
      expect(found?.name).toBe('embedded');
    } finally {
      await second.close();
    }
  });
});
