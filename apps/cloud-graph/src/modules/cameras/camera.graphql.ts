import { builder } from '../../graphql/builder';
import { MutationErrorRef, asPayload, guard, type Payload } from '../../graphql/errors';
import { ROLES } from '../../auth/principal';
import { HubRef } from '../hubs/hub.graphql';
import type { HubCameraEntity } from './camera.entity';
import { CameraZoneInput, CameraZoneRef, zonesOfInput } from './camera-zone.graphql';

export const HubCameraRef = builder.objectRef<HubCameraEntity>('HubCamera').implement({
  description:
    'A camera of an edge (a `streams` entry of its edge-config) as its heartbeats report it, with the zones drawn on it in the review UI.',
  fields: (t) => ({
    id: t.exposeID('id'),
    hubId: t.id({ resolve: (c) => c.hub.id }),
    name: t.exposeString('name', { description: "The stream's key in the edge's edge-config." }),
    detectorIds: t.idList({ resolve: (c) => c.detectorIds }),
    zones: t.field({
      type: [CameraZoneRef],
      description:
        'Zones drawn in the review UI (setCameraZones). The edge pulls them after each heartbeat; a zone here overrides a local one of the same name.',
      resolve: (c) => c.zones,
    }),
    localZones: t.field({
      type: [CameraZoneRef],
      description: "Zones of the edge's own edge-config for this stream (edit them on the edge).",
      resolve: (c) => c.localZones,
    }),
    zonesUpdatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.zonesUpdatedAt ?? null }),
    zonesUpdatedBy: t.string({ nullable: true, resolve: (c) => c.zonesUpdatedBy ?? null }),
    frameWidth: t.int({ nullable: true, resolve: (c) => c.frameWidth ?? null }),
    frameHeight: t.int({ nullable: true, resolve: (c) => c.frameHeight ?? null }),
    frameAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the edge received the latest frame it reported.',
      resolve: (c) => c.frameAt ?? null,
    }),
    frameDataUrl: t.string({
      nullable: true,
      description: 'The latest frame (downscaled JPEG) as a data: URL; null before the edge sent one.',
      resolve: async (c, _, ctx) => {
        // The row this object was read from decides whether there is a frame, so frameWidth/frameHeight/frameAt
        // agree with it (a frame reported between the two reads would otherwise come without its size).
        if (!c.frameAt) return null;
        const jpeg = await ctx.services.cameras.frame(c.id);
        return jpeg ? `data:image/jpeg;base64,${jpeg.toString('base64')}` : null;
      },
    }),
    reportedAt: t.field({
      type: 'DateTime',
      description: 'The last heartbeat that listed this stream.',
      resolve: (c) => c.reportedAt,
    }),
  }),
});

builder.objectField(HubRef, 'cameras', (t) =>
  t.field({
    type: [HubCameraRef],
    description: 'Its cameras, by name (kept after the edge stops reporting one, with their zones).',
    resolve: (h, _, ctx) => ctx.services.cameras.listForHub(h.id),
  }),
);

builder.queryFields((t) => ({
  camera: t.field({
    type: HubCameraRef,
    nullable: true,
    description: 'People see every camera; a hub token only its own.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      const who = guard(ctx, ROLES.any);
      const camera = await ctx.services.cameras.get(String(id));
      return camera && (who.kind !== 'hub' || camera.hub.id === who.id) ? camera : null;
    },
  }),
}));

const CameraPayloadRef = builder
  .objectRef<Payload<{ camera: HubCameraEntity }>>('HubCameraPayload')
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      camera: t.field({ type: HubCameraRef, nullable: true, resolve: (p) => p.camera ?? null }),
    }),
  });

builder.mutationFields((t) => ({
  setCameraZones: t.field({
    type: CameraPayloadRef,
    description:
      "Replaces the zones drawn on a camera (admins: the role that edits an edge's config). The edge uses them from its next heartbeat.",
    args: {
      cameraId: t.arg.id({ required: true }),
      zones: t.arg({ type: [CameraZoneInput], required: true }),
    },
    resolve: (_, { cameraId, zones }, ctx) => {
      const who = guard(ctx, ROLES.admin);
      return asPayload(async () => ({
        camera: await ctx.services.cameras.setZones(String(cameraId), zonesOfInput(zones), who.id),
      }));
    },
  }),
}));
