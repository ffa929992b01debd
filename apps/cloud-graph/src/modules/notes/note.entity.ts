import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Detector } from '../detectors/detector.entity';

/** Groundlight's note categories: CUSTOMER notes come from the detector's users, GL notes from the operator. */
export const NOTE_CATEGORIES = ['CUSTOMER', 'GL'] as const;
export type NoteCategory = (typeof NOTE_CATEGORIES)[number];

/** A note about a detector, shown to reviewers next to its queries in the review queue. */
export const Note = defineEntity({
  name: 'Note',
  tableName: 'notes',
  indexes: [{ properties: ['detector', 'createdAt'] }],
  properties: {
    id: p.string().primary(),
    detector: p.manyToOne(Detector).ref().deleteRule('cascade'),
    category: p.string().length(10).$type<NoteCategory>(),
    content: p.text().nullable(),
    isPinned: p.boolean().nullable(),
    /** `usr_…` or `hub_…` of who wrote it. */
    createdBy: p.string().length(80),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type NoteEntity = InferEntity<typeof Note>;
