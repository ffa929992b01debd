/**
 * The edge's fields on the cloud's `Detector` entity (keyed by `id`), and the edge's own status. Resolvers
 * are one-liners over the live edge state.
 */
import { builder } from './builder';
import type { EdgeDetectorStats } from './context';

const EdgeModelVersionsRef = builder
  .objectRef<Pick<EdgeDetectorStats, 'primaryVersion' | 'ooddVersion'>>('EdgeModelVersions')
  .implement({
    description: 'Model versions this edge serves for a detector (the cloud’s version numbers).',
    fields: (t) => ({
      primary: t.exposeInt('primaryVersion', { nullable: true }),
      oodd: t.exposeInt('ooddVersion', { nullable: true }),
    }),
  });

export const EdgeDetectorRef = builder
  .externalRef('Detector', builder.selection<{ id: string }>('id'))
  .implement({
    externalFields: () => ({}),
    fields: (t) => ({
      id: t.exposeID('id'),
      edgeModelVersions: t.field({
        type: EdgeModelVersionsRef,
        resolve: (d, _, ctx) => ctx.edge.detector(d.id),
      }),
      edgeReady: t.boolean({
        description: 'A model is installed on this edge.',
        resolve: async (d, _, ctx) => (await ctx.edge.detector(d.id)).ready,
      }),
      edgeImageQueries: t.int({
        description: 'Image queries this edge answered or accepted since it started.',
        resolve: async (d, _, ctx) => (await ctx.edge.detector(d.id)).imageQueries,
      }),
      edgeEscalations: t.int({
        description: 'Escalations this edge created since it started.',
        resolve: async (d, _, ctx) => (await ctx.edge.detector(d.id)).escalations,
      }),
      edgeMeanLatencyMs: t.float({
        nullable: true,
        description: 'Mean answer latency of POST /image-queries on this edge (all detectors), in ms.',
        resolve: async (d, _, ctx) => (await ctx.edge.detector(d.id)).meanLatencyMs,
      }),
    }),
  });

const EdgeStatusRef = builder.objectRef<Record<string, never>>('EdgeStatus').implement({
  fields: (t) => ({
    hubName: t.string({ resolve: (_, __, ctx) => ctx.edge.hubName }),
    outboxPending: t.int({ resolve: (_, __, ctx) => ctx.edge.outboxPending() }),
    configOk: t.boolean({ resolve: (_, __, ctx) => ctx.edge.configOk() }),
    cloudReachable: t.boolean({ resolve: (_, __, ctx) => ctx.edge.cloudReachable() }),
  }),
});

builder.queryFields((t) => ({
  edgeStatus: t.field({ type: EdgeStatusRef, resolve: () => ({}) }),
  edgeDetectors: t.field({
    type: [EdgeDetectorRef],
    description: 'Detectors this edge serves (configured or seen); cloud fields join through the gateway.',
    resolve: (_, __, ctx) => ctx.edge.detectorIds().map((id) => ({ id })),
  }),
}));
