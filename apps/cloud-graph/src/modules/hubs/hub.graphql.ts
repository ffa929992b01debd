import type { HubStatusEvent } from '@intellioptics/schema';
import { builder } from '../../graphql/builder';
import { MutationErrorRef, asPayload, failure, forbidden, guard, type Payload } from '../../graphql/errors';
import { ROLES, canSeeDetector } from '../../auth/principal';
import { DetectorRef } from '../detectors/detector.graphql';
import { deadLetterReportProblem } from './dead-letters';
import type { HubDeadLetter, HubEntity, LatencySample, ServedDetector } from './hub.entity';
import { latencyReportProblem } from './latency-samples';
import { HubCameraInput, cameraReportsOf } from '../cameras/camera-zone.graphql';
import { cameraReportProblem } from '../cameras/camera.service';

const ServedDetectorRef = builder.objectRef<ServedDetector>('ServedDetector').implement({
  fields: (t) => ({
    detectorId: t.exposeID('detectorId'),
    primaryVersion: t.exposeInt('primaryVersion', { nullable: true }),
    ooddVersion: t.exposeInt('ooddVersion', { nullable: true }),
    detector: t.field({
      type: DetectorRef,
      nullable: true,
      description:
        'The detector (its name for the fleet page); null once deleted or when the caller cannot see it.',
      resolve: (s, _, ctx) =>
        ctx.principal && canSeeDetector(ctx.principal, s.detectorId)
          ? ctx.loaders.detector.load(s.detectorId)
          : null,
    }),
  }),
});

const LatencySampleRef = builder.objectRef<LatencySample>('HubLatencySample').implement({
  description: "One heartbeat's view of the edge's answer latency since its previous heartbeat.",
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (s) => new Date(s.at) }),
    count: t.exposeInt('count', { description: 'Answers in the interval.' }),
    meanMs: t.exposeFloat('meanMs', { nullable: true }),
    p50Ms: t.exposeFloat('p50Ms', { nullable: true }),
    p95Ms: t.exposeFloat('p95Ms', { nullable: true }),
  }),
});

const HubDeadLetterRef = builder.objectRef<HubDeadLetter>('HubDeadLetter').implement({
  description: 'An escalation the edge set aside after its retries (retry or discard it on the edge).',
  fields: (t) => ({
    id: t.exposeID('id', { description: "The image query's id." }),
    detectorId: t.exposeID('detectorId'),
    cause: t.exposeString('cause', { description: 'CONFLICT, REFUSED, MAX_ATTEMPTS or IMAGE_MISSING.' }),
    since: t.field({ type: 'DateTime', resolve: (d) => new Date(d.since) }),
  }),
});

const HubDeadLettersRef = builder
  .objectRef<Pick<HubEntity, 'deadLetterCount' | 'deadLetters'>>('HubDeadLetters')
  .implement({
    description: "The edge's dead-letter list as of its last heartbeat.",
    fields: (t) => ({
      count: t.int({ description: 'All dead letters at the edge.', resolve: (h) => h.deadLetterCount ?? 0 }),
      items: t.field({
        type: [HubDeadLetterRef],
        description: 'The newest of them (at most 20), newest first.',
        resolve: (h) => h.deadLetters ?? [],
      }),
    }),
  });

export const HubRef = builder.objectRef<HubEntity>('Hub').implement({
  description: 'An edge device.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    online: t.boolean({ resolve: (h, _, ctx) => ctx.services.hubs.isOnline(h) }),
    lastHeartbeatAt: t.field({ type: 'DateTime', nullable: true, resolve: (h) => h.lastHeartbeatAt ?? null }),
    servedDetectors: t.field({ type: [ServedDetectorRef], resolve: (h) => h.servedDetectors }),
    counters: t.field({ type: 'JSON', resolve: (h) => h.counters }),
    latencySamples: t.field({
      type: [LatencySampleRef],
      description: 'Answer latency per heartbeat interval, oldest first (the fleet latency chart).',
      args: { last: t.arg.int({ description: 'Only the newest `last` samples.' }) },
      resolve: (h, { last }) => {
        const samples = h.latencySamples ?? [];
        return last === null || last === undefined
          ? samples
          : samples.slice(Math.max(0, samples.length - Math.max(0, last)));
      },
    }),
    deadLetters: t.field({
      type: HubDeadLettersRef,
      description: 'Escalations the edge set aside (count and the newest few), from its last heartbeat.',
      resolve: (h) => h,
    }),
    tokenSnippet: t.string({
      description: 'The first characters of its token.',
      resolve: (h) => h.tokenSnippet.slice(0, 8),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (h) => h.createdAt }),
    assignedDetectorIds: t.idList({
      nullable: true,
      description: 'The detectors this hub may see and use; null: every detector (set with setHubDetectors).',
      resolve: (h) => h.assignedDetectorIds ?? null,
    }),
  }),
});

builder.queryFields((t) => ({
  hubs: t.field({
    type: [HubRef],
    description: 'People see every hub; a hub token sees only its own hub.',
    resolve: async (_, __, ctx) => {
      const who = guard(ctx, ROLES.any);
      if (who.kind === 'hub') {
        const own = await ctx.services.hubs.get(who.id);
        return own ? [own] : [];
      }
      return ctx.services.hubs.list();
    },
  }),
  hub: t.field({
    type: HubRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => {
      const who = guard(ctx, ROLES.any);
      if (who.kind === 'hub' && who.id !== id) return null;
      return ctx.services.hubs.get(id);
    },
  }),
}));

const HubTokenPayloadRef = builder
  .objectRef<Payload<{ hub: HubEntity; token: string }>>('HubTokenPayload')
  .implement({
    description: 'The token is shown only here, once.',
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      hub: t.field({ type: HubRef, nullable: true, resolve: (p) => p.hub ?? null }),
      token: t.string({ nullable: true, resolve: (p) => p.token ?? null }),
    }),
  });

const HubPayloadRef = builder.objectRef<Payload<{ hub: HubEntity }>>('HubPayload').implement({
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
    hub: t.field({ type: HubRef, nullable: true, resolve: (p) => p.hub ?? null }),
  }),
});

const ServedDetectorInput = builder.inputType('ServedDetectorInput', {
  fields: (t) => ({
    detectorId: t.id({ required: true }),
    primaryVersion: t.int(),
    ooddVersion: t.int(),
  }),
});

const HubLatencyInput = builder.inputType('HubLatencyInput', {
  description: 'Answer latency over the interval since the previous heartbeat.',
  fields: (t) => ({
    count: t.int({ required: true, description: 'Answers in the interval.' }),
    meanMs: t.float(),
    p50Ms: t.float(),
    p95Ms: t.float(),
  }),
});

const HubDeadLetterInput = builder.inputType('HubDeadLetterInput', {
  fields: (t) => ({
    id: t.id({ required: true, description: "The image query's id." }),
    detectorId: t.id({ required: true }),
    cause: t.string({ required: true }),
    since: t.field({ type: 'DateTime', required: true }),
  }),
});

const HubDeadLettersInput = builder.inputType('HubDeadLettersInput', {
  description: "The edge's dead letters: how many, and the newest (at most 20).",
  fields: (t) => ({
    count: t.int({ required: true }),
    items: t.field({ type: [HubDeadLetterInput], required: true }),
  }),
});

const HubHeartbeatInput = builder.inputType('HubHeartbeatInput', {
  fields: (t) => ({
    deadLetters: t.field({ type: HubDeadLettersInput }),
    latency: t.field({ type: HubLatencyInput }),
    cameras: t.field({
      type: [HubCameraInput],
      description: 'Its camera streams; left out: the stored cameras stay as they are.',
    }),
    hubId: t.id({ description: 'Optional; a hub token may only name its own hub.' }),
    servedDetectors: t.field({ type: [ServedDetectorInput], required: true }),
    counters: t.field({ type: 'JSON', description: 'Counter name → number.' }),
  }),
});

function numericCounters(value: unknown): Record<string, number> | null {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return null;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([, v]) => typeof v !== 'number' || !Number.isFinite(v))) return null;
  return Object.fromEntries(entries) as Record<string, number>;
}

builder.mutationFields((t) => ({
  registerHub: t.field({
    type: HubTokenPayloadRef,
    description:
      'A new hub and its token (shown once). It sees and uses only the detectors in `detectorIds`: none when the argument is left out (assign them with setHubDetectors), every detector when it is null.',
    args: { name: t.arg.string({ required: true }), detectorIds: t.arg.idList() },
    resolve: (_, { name, detectorIds }, ctx) => {
      guard(ctx, ROLES.admin);
      return asPayload(async () => {
        // Left out: none (a new edge sees nothing it was not given); an explicit null: every detector.
        const assigned = detectorIds === undefined ? [] : (detectorIds?.map(String) ?? null);
        if (assigned) await ctx.services.detectors.assertExist(assigned);
        return ctx.services.hubs.register(name, assigned);
      });
    },
  }),
  setHubDetectors: t.field({
    type: HubPayloadRef,
    description:
      'Limits the hub to these detectors (it sees and uses no other: 404 as for a detector that does not exist); null gives it every detector again.',
    args: { hubId: t.arg.id({ required: true }), detectorIds: t.arg.idList() },
    resolve: (_, { hubId, detectorIds }, ctx) => {
      guard(ctx, ROLES.admin);
      return asPayload(async () => ({
        hub: await ctx.services.hubs.setDetectors(hubId, detectorIds ?? null),
      }));
    },
  }),
  rotateHubToken: t.field({
    type: HubTokenPayloadRef,
    args: { hubId: t.arg.id({ required: true }) },
    resolve: (_, { hubId }, ctx) => {
      guard(ctx, ROLES.admin);
      return asPayload(() => ctx.services.hubs.rotateToken(hubId));
    },
  }),
  hubHeartbeat: t.field({
    type: HubPayloadRef,
    description: 'A hub reports the model versions it serves and its counters (hub tokens only).',
    args: { input: t.arg({ type: HubHeartbeatInput, required: true }) },
    resolve: (_, { input }, ctx) => {
      const who = guard(ctx, ROLES.hub);
      if (input.hubId && input.hubId !== who.id) {
        forbidden('A hub token can only report for its own hub.');
      }
      const counters = numericCounters(input.counters);
      if (!counters) return failure('BAD_REQUEST', 'counters must be an object of numbers');
      const latency = input.latency
        ? {
            count: input.latency.count,
            meanMs: input.latency.meanMs ?? null,
            p50Ms: input.latency.p50Ms ?? null,
            p95Ms: input.latency.p95Ms ?? null,
          }
        : null;
      const latencyProblem = latency ? latencyReportProblem(latency) : null;
      if (latencyProblem) return failure('BAD_REQUEST', latencyProblem);
      const deadLetters = input.deadLetters
        ? {
            count: input.deadLetters.count,
            items: input.deadLetters.items.map((d) => ({
              id: String(d.id),
              detectorId: String(d.detectorId),
              cause: d.cause,
              since: d.since.toISOString(),
            })),
          }
        : null;
      const deadProblem = deadLetters ? deadLetterReportProblem(deadLetters) : null;
      if (deadProblem) return failure('BAD_REQUEST', deadProblem);
      const cameras = input.cameras ? cameraReportsOf(input.cameras) : null;
      const cameraProblem = cameras ? cameraReportProblem(cameras) : null;
      if (cameraProblem) return failure('BAD_REQUEST', cameraProblem);
      return asPayload(async () => {
        if (cameras) await ctx.services.cameras.report(who.id, cameras);
        return {
          hub: await ctx.services.hubs.heartbeat(who.id, {
            servedDetectors: input.servedDetectors.map((s) => ({
              detectorId: s.detectorId,
              primaryVersion: s.primaryVersion ?? null,
              ooddVersion: s.ooddVersion ?? null,
            })),
            counters,
            latency,
            deadLetters,
          }),
        };
      });
    },
  }),
}));

const HubStatusEventRef = builder.objectRef<HubStatusEvent>('HubStatusEvent').implement({
  fields: (t) => ({
    hubId: t.exposeID('hubId'),
    name: t.exposeString('name'),
    online: t.exposeBoolean('online'),
    lastHeartbeatAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (e) => (e.lastHeartbeatAt ? new Date(e.lastHeartbeatAt) : null),
    }),
    servedDetectors: t.field({ type: [ServedDetectorRef], resolve: (e) => e.servedDetectors }),
    counters: t.field({ type: 'JSON', resolve: (e) => e.counters }),
  }),
});

builder.subscriptionFields((t) => ({
  hubStatusChanged: t.field({
    type: HubStatusEventRef,
    description: 'A hub sent a heartbeat (fleet dashboard).',
    subscribe: (_, __, ctx) => {
      guard(ctx, ROLES.people);
      return ctx.pubsub.subscribe('hubStatusChanged');
    },
    resolve: (e) => e,
  }),
}));
