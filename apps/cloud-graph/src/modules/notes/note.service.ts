/** Notes on a detector (`/v1/notes`), grouped by category as the reference's `AllNotes`. */
import { IntelliOpticsError, newId } from '@intellioptics/schema';
import { z } from 'zod';
import type { Orm } from '../../db/orm';
import { Detector } from '../detectors/detector.entity';
import { fieldErrors } from '../detectors/detector.service';
import { Note, type NoteCategory, type NoteEntity } from './note.entity';

export const NoteRequestSchema = z
  .object({
    content: z.string().max(10_000).nullish(),
    is_pinned: z.boolean().nullish(),
  })
  .passthrough();

export interface RestNote {
  detector_id: string;
  content: string | null;
  is_pinned: boolean | null;
}

export type AllNotes = Record<NoteCategory, RestNote[]>;

export class NoteService {
  constructor(private readonly orm: Orm) {}

  /** Pinned notes first, then oldest first. */
  async forDetector(detectorId: string): Promise<NoteEntity[]> {
    await this.assertDetector(detectorId);
    return this.orm.em
      .fork()
      .find(
        Note,
        { detector: detectorId },
        { orderBy: { isPinned: 'desc nulls last', createdAt: 'asc', id: 'asc' } },
      );
  }

  /** Notes of several detectors at once (the review queue's batched field). */
  async forDetectors(detectorIds: readonly string[]): Promise<Map<string, NoteEntity[]>> {
    const rows = await this.orm.em
      .fork()
      .find(
        Note,
        { detector: { $in: [...detectorIds] } },
        { orderBy: { isPinned: 'desc nulls last', createdAt: 'asc', id: 'asc' } },
      );
    const out = new Map<string, NoteEntity[]>(detectorIds.map((id) => [id, []]));
    for (const n of rows) out.get(n.detector.id)?.push(n);
    return out;
  }

  /** Every note an API client writes is a CUSTOMER note; GL is the operator's category (none written yet). */
  async create(detectorId: string, body: unknown, createdBy: string): Promise<NoteEntity> {
    const parsed = NoteRequestSchema.safeParse(body);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      throw new IntelliOpticsError('BAD_REQUEST', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
        fieldErrors: errors,
      });
    }
    await this.assertDetector(detectorId);
    const em = this.orm.em.fork();
    const note = em.create(Note, {
      id: newId('note'),
      detector: detectorId,
      category: 'CUSTOMER',
      content: parsed.data.content ?? null,
      isPinned: parsed.data.is_pinned ?? null,
      createdBy,
    });
    await em.flush();
    return note;
  }

  private async assertDetector(id: string): Promise<void> {
    if ((await this.orm.em.fork().count(Detector, { id })) === 0) {
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${id}.`);
    }
  }
}

export function toRestNote(n: NoteEntity): RestNote {
  return { detector_id: n.detector.id, content: n.content ?? null, is_pinned: n.isPinned ?? null };
}

export function toAllNotes(notes: readonly NoteEntity[]): AllNotes {
  const all: AllNotes = { CUSTOMER: [], GL: [] };
  for (const n of notes) all[n.category].push(toRestNote(n));
  return all;
}
