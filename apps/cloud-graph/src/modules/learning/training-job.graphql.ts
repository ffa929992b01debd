/** GraphQL of the learning loop: `trainingJobs` (progress and logs), `requestTraining`, `rollbackModelVersion`. */
import { builder } from '../../graphql/builder';
import { MutationErrorRef, failure, guard, type Payload } from '../../graphql/errors';
import { ROLES } from '../../auth/principal';
import { ModelVersionRef } from '../model-versions/model-version.graphql';
import type { ModelVersionEntity } from '../model-versions/model-version.entity';
import type { TrainingJobRow } from './training-job.repository';
import type { TrainingLogLine } from './training-job.entity';

const TrainingLogLineRef = builder.objectRef<TrainingLogLine>('TrainingLogLine').implement({
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (l) => new Date(l.at) }),
    message: t.exposeString('message'),
  }),
});

export const TrainingJobRef = builder.objectRef<TrainingJobRow>('TrainingJob').implement({
  description: 'A retraining of one detector, taken from the PostgreSQL queue by any replica’s worker.',
  fields: (t) => ({
    id: t.exposeID('id'),
    detectorId: t.id({ resolve: (j) => j.detector_id }),
    state: t.string({ description: 'QUEUED, RUNNING, SUCCEEDED or FAILED.', resolve: (j) => j.state }),
    trigger: t.string({
      description: 'Why it was queued (a retrain-trigger reason or MANUAL).',
      resolve: (j) => j.trigger,
    }),
    outcome: t.string({
      nullable: true,
      description: 'PUBLISHED or REFUSED (by the promotion rule) once it succeeded.',
      resolve: (j) => j.outcome,
    }),
    progress: t.float({ resolve: (j) => j.progress }),
    stage: t.string({ nullable: true, resolve: (j) => j.stage }),
    attempts: t.int({ resolve: (j) => j.attempts }),
    log: t.field({ type: [TrainingLogLineRef], resolve: (j) => j.log }),
    labelCount: t.int({ nullable: true, resolve: (j) => j.label_count }),
    result: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Metrics, the promotion decision (rule and numbers) and the model version ids.',
      resolve: (j) => j.result,
    }),
    error: t.string({ nullable: true, resolve: (j) => j.error }),
    leaseOwner: t.string({ nullable: true, resolve: (j) => j.lease_owner }),
    createdAt: t.field({ type: 'DateTime', resolve: (j) => j.created_at }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (j) => j.started_at }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (j) => j.finished_at }),
  }),
});

builder.queryFields((t) => ({
  trainingJobs: t.field({
    type: [TrainingJobRef],
    args: { detectorId: t.arg.id({ required: true }), limit: t.arg.int() },
    resolve: (_, args, ctx) => {
      guard(ctx, ROLES.people);
      return ctx.services.learning.listJobs(args.detectorId, args.limit ?? 20);
    },
  }),
  trainingJob: t.field({
    type: TrainingJobRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, args, ctx) => {
      guard(ctx, ROLES.people);
      return ctx.services.learning.getJob(args.id);
    },
  }),
}));

const TrainingJobPayloadRef = builder
  .objectRef<Payload<{ job: TrainingJobRow }>>('TrainingJobPayload')
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      job: t.field({ type: TrainingJobRef, nullable: true, resolve: (p) => p.job ?? null }),
    }),
  });

const RollbackPayloadRef = builder
  .objectRef<Payload<{ primary: ModelVersionEntity; oodd: ModelVersionEntity | null }>>('RollbackPayload')
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      primary: t.field({ type: ModelVersionRef, nullable: true, resolve: (p) => p.primary ?? null }),
      oodd: t.field({ type: ModelVersionRef, nullable: true, resolve: (p) => p.oodd ?? null }),
    }),
  });

builder.mutationFields((t) => ({
  requestTraining: t.field({
    type: TrainingJobPayloadRef,
    description: 'Queues a retrain of the detector now (one job per detector at a time).',
    args: { detectorId: t.arg.id({ required: true }) },
    resolve: async (_, { detectorId }, ctx) => {
      guard(ctx, ROLES.admin);
      const r = await ctx.services.learning.requestTraining(detectorId);
      return r.ok ? { ok: true, error: null, job: r.job } : failure(r.code, r.message);
    },
  }),
  rollbackModelVersion: t.field({
    type: RollbackPayloadRef,
    description: 'Publishes an earlier model version again (with its OODD pair); the current ones retire.',
    args: { modelVersionId: t.arg.id({ required: true }) },
    resolve: async (_, { modelVersionId }, ctx) => {
      guard(ctx, ROLES.admin);
      const r = await ctx.services.learning.rollback(modelVersionId);
      return r.ok ? { ok: true, error: null, primary: r.primary, oodd: r.oodd } : failure(r.code, r.message);
    },
  }),
}));
