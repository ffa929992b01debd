/** Detector groups (`/v1/detector-groups`): the names detectors are grouped under, each with an id. */
import { IntelliOpticsError, newId } from '@intellioptics/schema';
import { z } from 'zod';
import { flushOrConflict } from '../../db/flush-or-conflict';
import type { Orm } from '../../db/orm';
import { fieldErrors } from '../detectors/detector.service';
import { DetectorGroup, type DetectorGroupEntity } from './detector-group.entity';

const DetectorGroupRequestSchema = z.object({ name: z.string().trim().min(1).max(100) });

/** The group row for `name`, created if missing (a detector naming a group makes it exist, as in the reference). */
export async function ensureDetectorGroup(orm: Orm, name: string): Promise<void> {
  await orm.em
    .fork()
    .getConnection()
    .execute(
      `insert into "detector_groups" ("id", "name", "created_at") values (?, ?, now()) on conflict ("name") do nothing`,
      [newId('detectorGroup'), name],
    );
}

export class DetectorGroupService {
  constructor(private readonly orm: Orm) {}

  /**
   * Every group, oldest first (the reference answers an unpaginated list). Group names detectors carry from
   * before groups were rows (or written around the service) become rows first; normally there are none.
   */
  async list(): Promise<DetectorGroupEntity[]> {
    const missing = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ group_name: string }[]>(
        `select distinct d."group_name" from "detectors" d
          where not exists (select 1 from "detector_groups" g where g."name" = d."group_name")`,
      );
    for (const { group_name } of missing) await ensureDetectorGroup(this.orm, group_name);
    return this.orm.em.fork().find(DetectorGroup, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  async create(body: unknown): Promise<DetectorGroupEntity> {
    const parsed = DetectorGroupRequestSchema.safeParse(body);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      throw new IntelliOpticsError('BAD_REQUEST', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
        fieldErrors: errors,
      });
    }
    const em = this.orm.em.fork();
    const group = em.create(DetectorGroup, { id: newId('detectorGroup'), name: parsed.data.name });
    await flushOrConflict(em, () => `A detector group named ${JSON.stringify(parsed.data.name)} exists.`);
    return group;
  }
}

export function toRestDetectorGroup(g: DetectorGroupEntity): { id: string; name: string } {
  return { id: g.id, name: g.name };
}
