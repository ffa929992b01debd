import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Zone } from '@intellioptics/schema';
import { Hub } from '../hubs/hub.entity';

/**
 * A camera of an edge: one `streams.<name>` entry of its edge-config, as its heartbeats report it (detectors,
 * the zones of its local edge-config, the latest frame as a small JPEG), and the zones people drew on it in
 * the review UI, which the edge pulls and uses in compound rules. Kept when the edge stops reporting the
 * stream (the zones survive a config typo); deleted with its hub.
 */
export const HubCamera = defineEntity({
  name: 'HubCamera',
  tableName: 'hub_cameras',
  uniques: [{ properties: ['hub', 'name'] }],
  properties: {
    id: p.string().length(40).primary(),
    hub: p.manyToOne(Hub).ref().deleteRule('cascade'),
    /** The stream's key in the edge's edge-config. */
    name: p.string().length(200),
    detectorIds: p.json<string[]>(),
    /** Zones of the edge's own edge-config for this stream (read-only here). */
    localZones: p.json<Zone[]>(),
    /** Zones drawn in the review UI: the edge uses them over local zones of the same name. */
    zones: p.json<Zone[]>(),
    zonesUpdatedAt: p.datetime().nullable(),
    /** `usr_…` of whoever saved them last. */
    zonesUpdatedBy: p.string().length(80).nullable(),
    /** The latest frame the edge's detectors saw, downscaled (JPEG); lazy: only the frame field reads it. */
    frame: p.blob().nullable().lazy(true, false),
    frameWidth: p.integer().nullable(),
    frameHeight: p.integer().nullable(),
    frameAt: p.datetime().nullable(),
    /** The last heartbeat that listed this stream. */
    reportedAt: p.datetime(),
  },
});
export type HubCameraEntity = InferEntity<typeof HubCamera>;
