/**
 * Notes in GraphQL: `Detector.notes` (batched per operation, so a review queue of N escalations costs one
 * query for every detector's notes), `notes(detectorId)`, and `createNote` for people.
 */
import { builder } from '../../graphql/builder';
import { BatchLoader } from '../../graphql/batch-loader';
import type { GraphQLContext } from '../../graphql/context';
import { MutationErrorRef, asPayload, guard, type Payload } from '../../graphql/errors';
import { ROLES, canSeeDetector } from '../../auth/principal';
import { DetectorRef } from '../detectors/detector.graphql';
import { NOTE_CATEGORIES, type NoteEntity } from './note.entity';

const NoteCategoryEnum = builder.enumType('NoteCategory', {
  values: NOTE_CATEGORIES,
  description:
    'CUSTOMER: written through the API or by people here; GL: the operator’s (Groundlight’s) notes.',
});

export const NoteRef = builder.objectRef<NoteEntity>('Note').implement({
  description: 'A note about a detector for the people who review its images.',
  fields: (t) => ({
    id: t.exposeID('id'),
    detectorId: t.id({ resolve: (n) => n.detector.id }),
    category: t.field({ type: NoteCategoryEnum, resolve: (n) => n.category }),
    content: t.string({ nullable: true, resolve: (n) => n.content ?? null }),
    isPinned: t.boolean({ nullable: true, resolve: (n) => n.isPinned ?? null }),
    createdBy: t.exposeString('createdBy'),
    createdAt: t.field({ type: 'DateTime', resolve: (n) => n.createdAt }),
  }),
});

/** One loader per operation context (never shared between requests). */
const loaders = new WeakMap<GraphQLContext, BatchLoader<{ id: string; notes: NoteEntity[] }>>();
function notesOf(ctx: GraphQLContext, detectorId: string): Promise<NoteEntity[]> {
  let loader = loaders.get(ctx);
  if (!loader) {
    loader = new BatchLoader(
      async (ids) => [...(await ctx.services.notes.forDetectors(ids))].map(([id, notes]) => ({ id, notes })),
      (row) => row.id,
    );
    loaders.set(ctx, loader);
  }
  return loader.load(detectorId).then((row) => row?.notes ?? []);
}

builder.objectField(DetectorRef, 'notes', (t) =>
  t.field({
    type: [NoteRef],
    description: 'Its notes, pinned first, then oldest first (shown to reviewers in the queue).',
    resolve: (d, _, ctx) => notesOf(ctx, d.id),
  }),
);

builder.queryFields((t) => ({
  notes: t.field({
    type: [NoteRef],
    description: 'The notes of one detector (empty for a detector the caller cannot see).',
    args: { detectorId: t.arg.id({ required: true }) },
    resolve: (_, { detectorId }, ctx) => {
      if (!canSeeDetector(guard(ctx, ROLES.any), detectorId)) return [];
      return notesOf(ctx, detectorId);
    },
  }),
}));

const NotePayloadRef = builder.objectRef<Payload<{ note: NoteEntity }>>('NotePayload').implement({
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
    note: t.field({ type: NoteRef, nullable: true, resolve: (p) => p.note ?? null }),
  }),
});

builder.mutationFields((t) => ({
  createNote: t.field({
    type: NotePayloadRef,
    description: 'A CUSTOMER note on the detector (as `POST /v1/notes`).',
    args: {
      detectorId: t.arg.id({ required: true }),
      content: t.arg.string({ required: true }),
      isPinned: t.arg.boolean(),
    },
    resolve: (_, args, ctx) => {
      const who = guard(ctx, ROLES.people);
      return asPayload(async () => ({
        note: await ctx.services.notes.create(
          args.detectorId,
          { content: args.content, is_pinned: args.isPinned ?? null },
          who.id,
        ),
      }));
    },
  }),
}));
