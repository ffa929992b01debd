import { filter, pipe } from 'graphql-yoga';
import type { Explanation, ImageQueryResult, ImageQueryUpdatedEvent } from '@intellioptics/schema';
import { builder } from '../../graphql/builder';
import { PageInfoRef, ResultTypeEnum, SourceEnum } from '../../graphql/enums';
import { MutationErrorRef, asPayload, failure, guard, type Payload } from '../../graphql/errors';
import { ROLES, canSeeDetector } from '../../auth/principal';
import { DetectorRef } from '../detectors/detector.graphql';
import type { ImageQueryEntity, LabelEntity } from './image-query.entity';
import { encodeIqCursor } from './image-query.service';
import { currentExplanation } from './explanation';
import { ExplanationRef } from './explanation.graphql';
import { RoiRef } from './roi.graphql';

export { RoiRef };

export const ImageQueryResultRef = builder.objectRef<ImageQueryResult>('ImageQueryResult').implement({
  description:
    'The current answer. `label` for binary/multi-class/bounding-box, `count` for counting, `text` for text.',
  fields: (t) => ({
    resultType: t.field({ type: ResultTypeEnum, resolve: (r) => r.result_type }),
    source: t.field({ type: SourceEnum, resolve: (r) => r.source }),
    confidence: t.float({ nullable: true, resolve: (r) => r.confidence }),
    fromEdge: t.boolean({ resolve: (r) => r.from_edge }),
    label: t.string({ nullable: true, resolve: (r) => ('label' in r ? r.label : null) }),
    count: t.int({ nullable: true, resolve: (r) => ('count' in r ? r.count : null) }),
    greaterThanMax: t.boolean({
      nullable: true,
      resolve: (r) => ('greater_than_max' in r ? (r.greater_than_max ?? null) : null),
    }),
    text: t.string({ nullable: true, resolve: (r) => ('text' in r ? r.text : null) }),
  }),
});

export const LabelRef = builder.objectRef<LabelEntity>('Label').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    label: t.exposeString('label'),
    labeledBy: t.exposeString('labeledBy'),
    confidence: t.exposeFloat('confidence'),
    rois: t.field({ type: [RoiRef], nullable: true, resolve: (l) => l.rois ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (l) => l.createdAt }),
  }),
});

export const ImageQueryRef = builder.objectRef<ImageQueryEntity>('ImageQuery');
ImageQueryRef.implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    detectorId: t.id({ resolve: (q) => q.detector.id }),
    detector: t.field({
      type: DetectorRef,
      nullable: true,
      resolve: (q, _, ctx) => ctx.loaders.detector.load(q.detector.id),
    }),
    query: t.exposeString('query'),
    resultType: t.field({ type: ResultTypeEnum, resolve: (q) => q.resultType }),
    result: t.field({
      type: ImageQueryResultRef,
      nullable: true,
      resolve: (q) =>
        (q.result ? { ...q.result, result_type: q.resultType } : null) as ImageQueryResult | null,
    }),
    answered: t.exposeBoolean('answered'),
    doneProcessing: t.exposeBoolean('doneProcessing'),
    patienceTime: t.exposeFloat('patienceTime'),
    confidenceThreshold: t.exposeFloat('confidenceThreshold'),
    humanReview: t.exposeString('humanReview'),
    inspectionId: t.string({ nullable: true, resolve: (q) => q.inspectionId ?? null }),
    metadata: t.field({ type: 'JSON', nullable: true, resolve: (q) => q.metadata ?? null }),
    rois: t.field({ type: [RoiRef], nullable: true, resolve: (q) => q.rois ?? null }),
    text: t.string({ nullable: true, resolve: (q) => q.text ?? null }),
    imageMime: t.exposeString('imageMime'),
    imageUrl: t.string({
      description: 'A signed, short-lived URL of the image (no token needed).',
      resolve: (q, _, ctx) => ctx.services.blobs.signedUrl(q.imageKey, ctx.services.signedUrlTtlSeconds),
    }),
    labels: t.field({ type: [LabelRef], resolve: (q, _, ctx) => ctx.services.labels.forImageQuery(q.id) }),
    explanation: t.field({
      type: ExplanationRef,
      nullable: true,
      description:
        'Why it was answered or escalated (as `GET /image-queries/{id}/explanation`); null for queries stored before explanations.',
      resolve: (q): Explanation | null => currentExplanation(q),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (q) => q.createdAt }),
  }),
});

const ImageQueryEdgeRef = builder
  .objectRef<{ cursor: string; node: ImageQueryEntity }>('ImageQueryEdge')
  .implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({ type: ImageQueryRef, resolve: (e) => e.node }),
    }),
  });

const ImageQueryConnectionRef = builder
  .objectRef<{ items: ImageQueryEntity[]; hasNextPage: boolean }>('ImageQueryConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({
        type: [ImageQueryEdgeRef],
        resolve: (c) => c.items.map((node) => ({ cursor: encodeIqCursor(node), node })),
      }),
      pageInfo: t.field({
        type: PageInfoRef,
        resolve: (c) => {
          const last = c.items[c.items.length - 1];
          return { hasNextPage: c.hasNextPage, endCursor: last ? encodeIqCursor(last) : null };
        },
      }),
    }),
  });

const ImageQueryFilterInput = builder.inputType('ImageQueryFilter', {
  fields: (t) => ({
    detectorId: t.id(),
    source: t.field({ type: SourceEnum }),
    answered: t.boolean(),
  }),
});

builder.queryFields((t) => ({
  imageQuery: t.field({
    type: ImageQueryRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      const who = guard(ctx, ROLES.any);
      const iq = await ctx.loaders.imageQuery.load(id);
      return iq && canSeeDetector(who, iq.detector.id) ? iq : null;
    },
  }),
  imageQueries: t.field({
    type: ImageQueryConnectionRef,
    description: 'Image queries, newest first, with cursor pagination.',
    args: {
      first: t.arg.int({ defaultValue: 20 }),
      after: t.arg.string(),
      filter: t.arg({ type: ImageQueryFilterInput }),
    },
    resolve: (_, args, ctx) => {
      guard(ctx, ROLES.people);
      return ctx.services.imageQueries.connection({
        first: Math.min(Math.max(args.first ?? 20, 1), 200),
        after: args.after ?? null,
        filter: {
          detectorId: args.filter?.detectorId ?? null,
          source: args.filter?.source ?? null,
          answered: args.filter?.answered ?? null,
        },
      });
    },
  }),
}));

const RoiInput = builder.inputType('RoiInput', {
  fields: (t) => ({
    label: t.string({ required: true }),
    score: t.float(),
    left: t.float({ required: true }),
    top: t.float({ required: true }),
    right: t.float({ required: true }),
    bottom: t.float({ required: true }),
  }),
});

const LabelImageQueryInput = builder.inputType('LabelImageQueryInput', {
  fields: (t) => ({
    imageQueryId: t.id({ required: true }),
    label: t.string({ required: true }),
    rois: t.field({ type: [RoiInput] }),
  }),
});

const LabelPayloadRef = builder
  .objectRef<Payload<{ imageQuery: ImageQueryEntity; label: LabelEntity }>>('LabelImageQueryPayload')
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      imageQuery: t.field({ type: ImageQueryRef, nullable: true, resolve: (p) => p.imageQuery ?? null }),
      label: t.field({ type: LabelRef, nullable: true, resolve: (p) => p.label ?? null }),
    }),
  });

builder.mutationFields((t) => ({
  labelImageQuery: t.field({
    type: LabelPayloadRef,
    description: 'A human answer: sets the result (source USER, confidence 1.0) and closes the escalation.',
    args: { input: t.arg({ type: LabelImageQueryInput, required: true }) },
    resolve: (_, { input }, ctx) => {
      const who = guard(ctx, ROLES.people);
      return asPayload(async () => {
        const outcome = await ctx.services.labels.label(who, {
          image_query_id: input.imageQueryId,
          label: input.label,
          rois: input.rois?.map((r) => ({
            label: r.label,
            score: r.score ?? 1,
            geometry: { left: r.left, top: r.top, right: r.right, bottom: r.bottom },
          })),
        });
        if (!outcome.ok) return failure(outcome.code, outcome.message);
        return { imageQuery: outcome.imageQuery, label: outcome.label };
      });
    },
  }),
}));

const ImageQueryUpdatedRef = builder.objectRef<ImageQueryUpdatedEvent>('ImageQueryUpdatedEvent').implement({
  fields: (t) => ({
    imageQueryId: t.exposeID('imageQueryId'),
    detectorId: t.exposeID('detectorId'),
    result: t.field({ type: ImageQueryResultRef, nullable: true, resolve: (e) => e.imageQuery.result }),
    doneProcessing: t.boolean({ resolve: (e) => e.imageQuery.done_processing }),
    imageQuery: t.field({
      type: ImageQueryRef,
      nullable: true,
      resolve: (e, _, ctx) => ctx.loaders.imageQuery.load(e.imageQueryId),
    }),
  }),
});

builder.subscriptionFields((t) => ({
  imageQueryUpdated: t.field({
    type: ImageQueryUpdatedRef,
    description: 'Fires when the result of one image query changes (human label, cloud answer).',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_, { id }, ctx) => {
      const who = guard(ctx, ROLES.any);
      return pipe(
        ctx.pubsub.subscribe('imageQueryUpdated', id),
        filter((e: ImageQueryUpdatedEvent) => e.imageQueryId === id && canSeeDetector(who, e.detectorId)),
      );
    },
    resolve: (e) => e,
  }),
}));
