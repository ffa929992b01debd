import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@intellioptics/schema';
import { initOrm, type Orm } from '../src/db/orm';
import { Detector } from '../src/modules/detectors/detector.entity';
import { ImageQuery } from '../src/modules/image-queries/image-query.entity';
import { createTestDatabase, type TestDatabase } from './support/test-db';

let db: TestDatabase;
let orm: Orm;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await initOrm(db.url, { poolMax: 2, debug: false });
});
afterAll(async () => {
  await orm?.close();
  await db?.drop();
});

describe('committed migrations on PostgreSQL', () => {
  it('leave nothing pending and match the entity definitions exactly', async () => {
    expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
    const executed = await orm.getMigrator().getExecutedMigrations();
    expect(executed.map((m) => m.name)).toContain('Migration20261127035738_initial');
    // If an entity changes without a migration, the schema diff is not empty.
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });

  it('cascades a detector delete to its image queries (foreign keys exist)', async () => {
    const em = orm.em.fork();
    const det = em.create(Detector, {
      id: newId('detector'),
      name: 'fk',
      query: 'q?',
      groupName: 'g',
      mode: 'BINARY',
      confidenceThreshold: 0.9,
      patienceTime: 30,
      status: 'ON',
      escalationType: 'STANDARD',
    });
    em.create(ImageQuery, {
      id: newId('imageQuery'),
      detector: det,
      query: 'q?',
      resultType: 'binary_classification',
      patienceTime: 30,
      confidenceThreshold: 0.9,
      imageKey: 'k',
      imageMime: 'image/jpeg',
      imageBytes: 1,
      submittedBy: 'usr_x',
    });
    await em.flush();
    await orm.em.fork().nativeDelete(Detector, { id: det.id });
    expect(await orm.em.fork().count(ImageQuery, {})).toBe(0);
    await expect(
      orm.em
        .fork()
        .getConnection()
        .execute(`insert into image_queries (id, detector_id) values ('iq_x', 'det_missing')`),
    ).rejects.toThrow();
  });
});
