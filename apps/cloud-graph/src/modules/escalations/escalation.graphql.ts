import { filter, pipe } from 'graphql-yoga';
import type { EscalationEvent } from '@intellioptics/schema';
import { builder } from '../../graphql/builder';
import { EscalationStateEnum, PageInfoRef } from '../../graphql/enums';
import { MutationErrorRef, failure, guard, type Payload } from '../../graphql/errors';
import { ROLES, type Principal } from '../../auth/principal';
import type { GraphQLContext } from '../../graphql/context';
import { DetectorRef } from '../detectors/detector.graphql';
import { ImageQueryRef } from '../image-queries/image-query.graphql';
import type { EscalationEntity } from './escalation.entity';
import { encodeQueueCursor, type EscalationOutcome } from './escalation.service';

export const EscalationRef = builder.objectRef<EscalationEntity>('Escalation').implement({
  description: 'An image query in the human review queue.',
  fields: (t) => ({
    id: t.exposeID('id'),
    state: t.field({ type: EscalationStateEnum, resolve: (e) => e.state }),
    reason: t.exposeString('reason'),
    imageQueryId: t.id({ resolve: (e) => e.imageQuery.id }),
    detectorId: t.id({ resolve: (e) => e.detector.id }),
    imageQuery: t.field({
      type: ImageQueryRef,
      nullable: true,
      resolve: (e, _, ctx) => ctx.loaders.imageQuery.load(e.imageQuery.id),
    }),
    detector: t.field({
      type: DetectorRef,
      nullable: true,
      resolve: (e, _, ctx) => ctx.loaders.detector.load(e.detector.id),
    }),
    edgeResult: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.edgeResult ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (e) => e.createdAt }),
    deadlineAt: t.field({ type: 'DateTime', resolve: (e) => e.deadlineAt }),
    claimedBy: t.string({ nullable: true, resolve: (e) => e.claimedBy ?? null }),
    claimExpiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => e.claimExpiresAt ?? null }),
    resolvedAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => e.resolvedAt ?? null }),
    resolvedBy: t.string({ nullable: true, resolve: (e) => e.resolvedBy ?? null }),
  }),
});

const EscalationEdgeRef = builder
  .objectRef<{ cursor: string; node: EscalationEntity }>('EscalationEdge')
  .implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({ type: EscalationRef, resolve: (e) => e.node }),
    }),
  });

const EscalationConnectionRef = builder
  .objectRef<{ items: EscalationEntity[]; hasNextPage: boolean }>('EscalationConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({
        type: [EscalationEdgeRef],
        resolve: (c) => c.items.map((node) => ({ cursor: encodeQueueCursor(node), node })),
      }),
      pageInfo: t.field({
        type: PageInfoRef,
        resolve: (c) => {
          const last = c.items[c.items.length - 1];
          return { hasNextPage: c.hasNextPage, endCursor: last ? encodeQueueCursor(last) : null };
        },
      }),
    }),
  });

builder.queryFields((t) => ({
  reviewQueue: t.field({
    type: EscalationConnectionRef,
    description: 'Escalations in the given states (default QUEUED and CLAIMED), soonest deadline first.',
    args: {
      states: t.arg({ type: [EscalationStateEnum], defaultValue: ['QUEUED', 'CLAIMED'] }),
      detectorIds: t.arg.idList(),
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.string(),
    },
    resolve: (_, args, ctx) => {
      guard(ctx, ROLES.people);
      return ctx.services.escalations.queue({
        states: args.states ?? ['QUEUED', 'CLAIMED'],
        detectorIds: args.detectorIds ?? null,
        first: Math.min(Math.max(args.first ?? 50, 1), 500),
        after: args.after ?? null,
      });
    },
  }),
  escalation: t.field({
    type: EscalationRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => {
      guard(ctx, ROLES.people);
      return ctx.services.escalations.get(id);
    },
  }),
}));

const EscalationPayloadRef = builder
  .objectRef<Payload<{ escalation: EscalationEntity | null }>>('EscalationPayload')
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      escalation: t.field({ type: EscalationRef, nullable: true, resolve: (p) => p.escalation ?? null }),
    }),
  });

async function act(
  ctx: GraphQLContext,
  run: (who: Principal) => Promise<EscalationOutcome>,
): Promise<Payload<{ escalation: EscalationEntity | null }>> {
  const who = guard(ctx, ROLES.people);
  const outcome = await run(who);
  if (outcome.ok) return { ok: true, error: null, escalation: outcome.escalation };
  return { ...failure(outcome.code, outcome.message), escalation: outcome.escalation };
}

builder.mutationFields((t) => ({
  claimEscalation: t.field({
    type: EscalationPayloadRef,
    description:
      'Takes a lease on an escalation (ESCALATION_LEASE_SECONDS); claiming your own claim renews it.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => act(ctx, (who) => ctx.services.escalations.claim(id, who)),
  }),
  releaseEscalation: t.field({
    type: EscalationPayloadRef,
    description: 'Gives a claimed escalation back to the queue.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => act(ctx, (who) => ctx.services.escalations.release(id, who)),
  }),
  skipEscalation: t.field({
    type: EscalationPayloadRef,
    description: 'Removes an escalation from the queue without a label.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => act(ctx, (who) => ctx.services.escalations.skip(id, who)),
  }),
}));

const EscalationEventRef = builder.objectRef<EscalationEvent>('EscalationCreatedEvent').implement({
  fields: (t) => ({
    escalationId: t.exposeID('escalationId'),
    imageQueryId: t.exposeID('imageQueryId'),
    detectorId: t.exposeID('detectorId'),
    state: t.field({ type: EscalationStateEnum, resolve: (e) => e.state }),
    reason: t.exposeString('reason'),
    createdAt: t.field({ type: 'DateTime', resolve: (e) => new Date(e.createdAt) }),
    deadlineAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (e) => (e.deadlineAt ? new Date(e.deadlineAt) : null),
    }),
    escalation: t.field({
      type: EscalationRef,
      nullable: true,
      resolve: (e, _, ctx) => ctx.services.escalations.get(e.escalationId),
    }),
  }),
});

builder.subscriptionFields((t) => ({
  escalationCreated: t.field({
    type: EscalationEventRef,
    description: 'A new escalation entered the review queue (optionally only for some detectors).',
    args: { detectorIds: t.arg.idList() },
    subscribe: (_, { detectorIds }, ctx) => {
      guard(ctx, ROLES.people);
      const wanted = detectorIds?.length ? new Set(detectorIds) : null;
      return pipe(
        ctx.pubsub.subscribe('escalationCreated'),
        filter((e: EscalationEvent) => !wanted || wanted.has(e.detectorId)),
      );
    },
    resolve: (e) => e,
  }),
}));
