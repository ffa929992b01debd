import { builder } from '../../graphql/builder';
import {
  DetectorModeEnum,
  DetectorStatusEnum,
  EscalationPolicyModeEnum,
  EscalationTypeEnum,
  ReasoningModeEnum,
} from '../../graphql/enums';
import { MutationErrorRef, asPayload, guard, type Payload } from '../../graphql/errors';
import { ROLES, canSeeDetector, visibleDetectorIds } from '../../auth/principal';
import type { DetectorEntity } from './detector.entity';
import type { EscalationGroupStats, EscalationStats } from './escalation-stats';

export const DetectorRef = builder.objectRef<DetectorEntity>('Detector');

const EscalationGroupStatsRef = builder.objectRef<EscalationGroupStats>('EscalationGroupStats').implement({
  description:
    'Edge answers decided one way, estimated from escalations and audits (each audit stands for 1/audit rate answers).',
  fields: (t) => ({
    escalations: t.exposeInt('escalations'),
    labelledEscalations: t.exposeInt('labelledEscalations'),
    audits: t.exposeInt('audits'),
    labelledAudits: t.exposeInt('labelledAudits'),
    estimatedAnswers: t.exposeFloat('estimatedAnswers'),
    escalationRate: t.exposeFloat('escalationRate', { nullable: true }),
    falseEscalationRate: t.exposeFloat('falseEscalationRate', {
      nullable: true,
      description: 'Escalated although the edge answer was right (the reviewer agreed), per edge answer.',
    }),
    edgeAccuracy: t.exposeFloat('edgeAccuracy', {
      nullable: true,
      description: 'Share of labelled audits whose label is the edge answer.',
    }),
  }),
});

const EscalationStatsRef = builder.objectRef<EscalationStats>('EscalationStats').implement({
  description:
    "The edge's escalations of a detector: decided by the confidence threshold vs the learned policy.",
  fields: (t) => ({
    threshold: t.field({ type: EscalationGroupStatsRef, resolve: (s) => s.threshold }),
    learnedPolicy: t.field({ type: EscalationGroupStatsRef, resolve: (s) => s.learnedPolicy }),
  }),
});

DetectorRef.implement({
  description: 'A question asked of images, with its mode and confidence threshold.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    query: t.exposeString('query'),
    groupName: t.exposeString('groupName'),
    mode: t.field({ type: DetectorModeEnum, resolve: (d) => d.mode }),
    modeConfiguration: t.field({ type: 'JSON', nullable: true, resolve: (d) => d.modeConfiguration ?? null }),
    confidenceThreshold: t.exposeFloat('confidenceThreshold'),
    patienceTime: t.exposeFloat('patienceTime'),
    status: t.field({ type: DetectorStatusEnum, resolve: (d) => d.status }),
    escalationType: t.field({ type: EscalationTypeEnum, resolve: (d) => d.escalationType }),
    reasoning: t.field({ type: ReasoningModeEnum, resolve: (d) => d.reasoning }),
    escalationPolicy: t.field({
      type: EscalationPolicyModeEnum,
      nullable: true,
      description: 'Null: the learned policy when it wins on held-out data, else the threshold.',
      resolve: (d) => d.escalationPolicy ?? null,
    }),
    escalationStats: t.field({
      type: EscalationStatsRef,
      nullable: true,
      description: 'Edge escalations over the last `days` days; null for modes without classes.',
      args: { days: t.arg.int({ required: false, defaultValue: 30 }) },
      resolve: (d, { days }, ctx) =>
        ctx.services.detectorStats.escalations(d.id, Math.min(Math.max(days ?? 30, 1), 365)),
    }),
    metadata: t.field({ type: 'JSON', nullable: true, resolve: (d) => d.metadata ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (d) => d.createdAt }),
  }),
});

builder.asEntity(DetectorRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) => {
    if (!canSeeDetector(guard(ctx, ROLES.any), ref.id)) return null;
    return ctx.services.detectors.get(ref.id).catch(() => null);
  },
});

builder.queryFields((t) => ({
  detector: t.field({
    type: DetectorRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      if (!canSeeDetector(guard(ctx, ROLES.any), id)) return null;
      return ctx.loaders.detector.load(id);
    },
  }),
  detectors: t.field({
    type: [DetectorRef],
    description: 'Detectors, newest first; `name` filters by exact name.',
    args: {
      name: t.arg.string(),
      first: t.arg.int({ defaultValue: 100 }),
      offset: t.arg.int({ defaultValue: 0 }),
    },
    resolve: async (_, args, ctx) => {
      const who = guard(ctx, ROLES.any);
      const pageSize = Math.min(Math.max(args.first ?? 100, 1), 1000);
      const offset = Math.max(args.offset ?? 0, 0);
      const { items } = await ctx.services.detectors.list({
        page: Math.floor(offset / pageSize) + 1,
        pageSize,
        name: args.name ?? undefined,
        ids: visibleDetectorIds(who),
      });
      return items;
    },
  }),
}));

const CreateDetectorInput = builder.inputType('CreateDetectorInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    query: t.string({ required: true }),
    mode: t.field({ type: DetectorModeEnum }),
    modeConfiguration: t.field({ type: 'JSON' }),
    confidenceThreshold: t.float(),
    patienceTime: t.float(),
    groupName: t.string(),
    escalationType: t.field({ type: EscalationTypeEnum }),
    reasoning: t.field({ type: ReasoningModeEnum }),
    escalationPolicy: t.field({ type: EscalationPolicyModeEnum }),
    metadata: t.field({ type: 'JSON' }),
  }),
});

const UpdateDetectorInput = builder.inputType('UpdateDetectorInput', {
  fields: (t) => ({
    name: t.string(),
    confidenceThreshold: t.float(),
    patienceTime: t.float(),
    status: t.field({ type: DetectorStatusEnum }),
    escalationType: t.field({ type: EscalationTypeEnum }),
    groupName: t.string(),
    metadata: t.field({ type: 'JSON' }),
    reasoning: t.field({ type: ReasoningModeEnum }),
    escalationPolicy: t.field({ type: EscalationPolicyModeEnum }),
    resetEscalationPolicy: t.boolean({
      description: 'Back to the default (learned when it wins on held-out data).',
    }),
  }),
});

export const DetectorPayloadRef = builder
  .objectRef<Payload<{ detector: DetectorEntity }>>('DetectorPayload')
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      detector: t.field({ type: DetectorRef, nullable: true, resolve: (p) => p.detector ?? null }),
    }),
  });

const DeletePayloadRef = builder
  .objectRef<Payload<{ deletedId: string }>>('DeleteDetectorPayload')
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      deletedId: t.id({ nullable: true, resolve: (p) => p.deletedId ?? null }),
    }),
  });

/** Drops null/undefined keys so the REST validation sees only what the client set. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
}

builder.mutationFields((t) => ({
  createDetector: t.field({
    type: DetectorPayloadRef,
    args: { input: t.arg({ type: CreateDetectorInput, required: true }) },
    resolve: (_, { input }, ctx) => {
      guard(ctx, ROLES.admin);
      return asPayload(async () => ({
        detector: await ctx.services.detectors.create(
          defined({
            name: input.name,
            query: input.query,
            mode: input.mode,
            mode_configuration: input.modeConfiguration,
            confidence_threshold: input.confidenceThreshold,
            patience_time: input.patienceTime,
            group_name: input.groupName,
            escalation_type: input.escalationType,
            reasoning: input.reasoning,
            escalation_policy: input.escalationPolicy,
            metadata: input.metadata,
          }),
        ),
      }));
    },
  }),
  updateDetector: t.field({
    type: DetectorPayloadRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateDetectorInput, required: true }) },
    resolve: (_, { id, input }, ctx) => {
      guard(ctx, ROLES.admin);
      return asPayload(async () => ({
        detector: await ctx.services.detectors.update(id, {
          ...defined({
            name: input.name,
            confidence_threshold: input.confidenceThreshold,
            patience_time: input.patienceTime,
            status: input.status,
            escalation_type: input.escalationType,
            group_name: input.groupName,
            metadata: input.metadata,
            reasoning: input.reasoning,
            escalation_policy: input.escalationPolicy,
          }),
          ...(input.resetEscalationPolicy ? { escalation_policy: null } : {}),
        }),
      }));
    },
  }),
  deleteDetector: t.field({
    type: DeletePayloadRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => {
      guard(ctx, ROLES.admin);
      return asPayload(async () => {
        await ctx.services.detectors.delete(id);
        return { deletedId: id };
      });
    },
  }),
}));
