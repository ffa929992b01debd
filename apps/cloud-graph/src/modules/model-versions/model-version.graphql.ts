import { filter, pipe } from 'graphql-yoga';
import type { ModelVersionPublishedEvent } from '@intellioptics/schema';
import { builder } from '../../graphql/builder';
import { ModelKindEnum, ModelVersionStateEnum } from '../../graphql/enums';
import { MutationErrorRef, asPayload, failure, guard, type Payload } from '../../graphql/errors';
import { ROLES, canSeeDetector } from '../../auth/principal';
import { DetectorRef } from '../detectors/detector.graphql';
import type { ModelVersionEntity } from './model-version.entity';
import type { ModelVersionOutcome } from './model-version.service';

export const ModelVersionRef = builder.objectRef<ModelVersionEntity>('ModelVersion').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    detectorId: t.id({ resolve: (m) => m.detector.id }),
    detector: t.field({
      type: DetectorRef,
      nullable: true,
      resolve: (m, _, ctx) => ctx.loaders.detector.load(m.detector.id),
    }),
    kind: t.field({ type: ModelKindEnum, resolve: (m) => m.kind }),
    number: t.exposeInt('number'),
    sha256: t.exposeString('sha256'),
    sizeBytes: t.exposeInt('sizeBytes'),
    metrics: t.field({ type: 'JSON', resolve: (m) => m.metrics }),
    state: t.field({ type: ModelVersionStateEnum, resolve: (m) => m.state }),
    downloadUrl: t.string({
      description: 'A signed, short-lived URL of the package.',
      resolve: (m, _, ctx) => ctx.services.blobs.signedUrl(m.blobKey, ctx.services.signedUrlTtlSeconds),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (m) => m.createdAt }),
    publishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (m) => m.publishedAt ?? null }),
    retiredAt: t.field({ type: 'DateTime', nullable: true, resolve: (m) => m.retiredAt ?? null }),
  }),
});

builder.queryFields((t) => ({
  modelVersions: t.field({
    type: [ModelVersionRef],
    args: {
      detectorId: t.arg.id(),
      kind: t.arg({ type: ModelKindEnum }),
      state: t.arg({ type: ModelVersionStateEnum }),
    },
    resolve: async (_, args, ctx) => {
      const who = guard(ctx, ROLES.any);
      const versions = await ctx.services.models.list({
        detectorId: args.detectorId ?? null,
        kind: args.kind ?? null,
        state: args.state ?? null,
      });
      return versions.filter((m) => canSeeDetector(who, m.detector.id));
    },
  }),
}));

const ModelVersionPayloadRef = builder
  .objectRef<Payload<{ modelVersion: ModelVersionEntity }>>('ModelVersionPayload')
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      modelVersion: t.field({
        type: ModelVersionRef,
        nullable: true,
        resolve: (p) => p.modelVersion ?? null,
      }),
    }),
  });

const CreateModelVersionInput = builder.inputType('CreateModelVersionInput', {
  fields: (t) => ({
    detectorId: t.id({ required: true }),
    kind: t.field({ type: ModelKindEnum, required: true }),
    packageBase64: t.string({ required: true, description: 'The model package (model.buf) as base64.' }),
    metrics: t.field({ type: 'JSON' }),
  }),
});

function fromOutcome(o: ModelVersionOutcome): Payload<{ modelVersion: ModelVersionEntity }> {
  return o.ok ? { ok: true, error: null, modelVersion: o.modelVersion } : failure(o.code, o.message);
}

builder.mutationFields((t) => ({
  createModelVersion: t.field({
    type: ModelVersionPayloadRef,
    description: 'Stores a package as the next CANDIDATE version (training workers and admins).',
    args: { input: t.arg({ type: CreateModelVersionInput, required: true }) },
    resolve: (_, { input }, ctx) => {
      guard(ctx, ROLES.admin);
      const metrics = input.metrics ?? {};
      if (typeof metrics !== 'object' || Array.isArray(metrics) || metrics === null) {
        return failure('BAD_REQUEST', 'metrics must be a JSON object');
      }
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.packageBase64)) {
        return failure('BAD_REQUEST', 'packageBase64 is not base64');
      }
      return asPayload(async () => ({
        modelVersion: await ctx.services.models.create({
          detectorId: input.detectorId,
          kind: input.kind,
          data: Buffer.from(input.packageBase64, 'base64'),
          metrics: metrics as Record<string, unknown>,
        }),
      }));
    },
  }),
  publishModelVersion: t.field({
    type: ModelVersionPayloadRef,
    description:
      'Makes the version the one edges serve; the previous published version of that kind retires.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      guard(ctx, ROLES.admin);
      return fromOutcome(await ctx.services.models.publish(id));
    },
  }),
  retireModelVersion: t.field({
    type: ModelVersionPayloadRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      guard(ctx, ROLES.admin);
      return fromOutcome(await ctx.services.models.retire(id));
    },
  }),
}));

const ModelVersionPublishedRef = builder
  .objectRef<ModelVersionPublishedEvent>('ModelVersionPublishedEvent')
  .implement({
    fields: (t) => ({
      detectorId: t.exposeID('detectorId'),
      kind: t.field({ type: ModelKindEnum, resolve: (e) => e.kind }),
      version: t.exposeInt('version'),
      modelVersionId: t.exposeID('modelVersionId'),
      sha256: t.exposeString('sha256'),
      publishedAt: t.field({ type: 'DateTime', resolve: (e) => new Date(e.publishedAt) }),
    }),
  });

builder.subscriptionFields((t) => ({
  modelVersionPublished: t.field({
    type: ModelVersionPublishedRef,
    description: 'A model version was published; edges serving the detector download it.',
    args: { detectorIds: t.arg.idList() },
    subscribe: (_, { detectorIds }, ctx) => {
      const who = guard(ctx, ROLES.any);
      const wanted = detectorIds?.length ? new Set(detectorIds) : null;
      return pipe(
        ctx.pubsub.subscribe('modelVersionPublished'),
        filter(
          (e: ModelVersionPublishedEvent) =>
            (!wanted || wanted.has(e.detectorId)) && canSeeDetector(who, e.detectorId),
        ),
      );
    },
    resolve: (e) => e,
  }),
}));
