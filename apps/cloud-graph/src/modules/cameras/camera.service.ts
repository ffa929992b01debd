/**
 * Cameras of the edges (their `streams` entries) and the zones people draw on them. Heartbeats report what the
 * edge has (detectors, its local zones, the latest frame); `setZones` stores the drawn zones, which the edge
 * pulls after each heartbeat and uses in compound rules' `inside` leaves.
 */
import { randomUUID } from 'node:crypto';
import { IntelliOpticsError, ZonesSchema, type Zone } from '@intellioptics/schema';
import type { Orm } from '../../db/orm';
import { Hub } from '../hubs/hub.entity';
import { HubCamera, type HubCameraEntity } from './camera.entity';

/** One stream as a heartbeat reports it. `frame` is omitted when the edge has no frame of it yet. */
export interface CameraReport {
  name: string;
  detectorIds: string[];
  localZones: Zone[];
  frame?: { jpeg: Buffer; width: number; height: number; at: Date } | null;
}

/** Streams listed per heartbeat. */
export const MAX_REPORTED_CAMERAS = 64;
/** The downscaled frame an edge sends (the edge aims at ~30 KB; a heartbeat is at most 1 MB). */
export const MAX_FRAME_BYTES = 128 * 1024;

/** Why a heartbeat's camera list cannot be taken, or null. */
export function cameraReportProblem(cameras: readonly CameraReport[]): string | null {
  if (cameras.length > MAX_REPORTED_CAMERAS) return `cameras: at most ${MAX_REPORTED_CAMERAS}`;
  const names = new Set<string>();
  for (const [i, c] of cameras.entries()) {
    if (c.name.length < 1 || c.name.length > 200) return `cameras[${i}].name: 1-200 characters`;
    if (names.has(c.name)) return `cameras[${i}].name: repeats ${JSON.stringify(c.name)}`;
    names.add(c.name);
    const zones = ZonesSchema.safeParse(c.localZones);
    if (!zones.success) return `cameras[${i}].localZones: ${zones.error.issues[0]?.message ?? 'invalid'}`;
    if (c.frame) {
      const { jpeg, width, height } = c.frame;
      if (jpeg.length > MAX_FRAME_BYTES) return `cameras[${i}].frame: at most ${MAX_FRAME_BYTES} bytes`;
      if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return `cameras[${i}].frame: not a JPEG`;
      if (!(width > 0 && height > 0 && width <= 8192 && height <= 8192))
        return `cameras[${i}].frame: width and height must be 1-8192`;
    }
  }
  return null;
}

export class CameraService {
  constructor(private readonly orm: Orm) {}

  /** Upserts the reported streams; a stream left out keeps its row (and its zones). */
  async report(hubId: string, cameras: readonly CameraReport[], at = new Date()): Promise<void> {
    if (cameras.length === 0) return;
    const em = this.orm.em.fork();
    const existing = new Map(
      (await em.find(HubCamera, { hub: hubId, name: { $in: cameras.map((c) => c.name) } })).map((c) => [
        c.name,
        c,
      ]),
    );
    for (const c of cameras) {
      const row =
        existing.get(c.name) ??
        em.create(HubCamera, {
          id: `cam_${randomUUID().replaceAll('-', '')}`,
          hub: em.getReference(Hub, hubId),
          name: c.name,
          detectorIds: c.detectorIds,
          localZones: c.localZones,
          zones: [],
          reportedAt: at,
        });
      row.detectorIds = c.detectorIds;
      row.localZones = c.localZones;
      row.reportedAt = at;
      if (c.frame) {
        row.frame = c.frame.jpeg;
        row.frameWidth = c.frame.width;
        row.frameHeight = c.frame.height;
        row.frameAt = c.frame.at;
      }
    }
    await em.flush();
  }

  async listForHub(hubId: string): Promise<HubCameraEntity[]> {
    return this.orm.em.fork().find(HubCamera, { hub: hubId }, { orderBy: { name: 'asc' } });
  }

  async get(id: string): Promise<HubCameraEntity | null> {
    return this.orm.em.fork().findOne(HubCamera, { id });
  }

  /** The stored frame (JPEG), or null before the edge sent one. */
  async frame(id: string): Promise<Buffer | null> {
    const row = await this.orm.em.fork().findOne(HubCamera, { id }, { populate: ['frame'] });
    const frame = row?.frame;
    if (!frame) return null;
    return Buffer.isBuffer(frame) ? frame : Buffer.from(frame);
  }

  /** Replaces the camera's drawn zones (validated as edge-config zones: unique names, inside the frame). */
  async setZones(id: string, zones: unknown, by: string): Promise<HubCameraEntity> {
    const parsed = ZonesSchema.safeParse(zones);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new IntelliOpticsError(
        'BAD_REQUEST',
        `zones${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const em = this.orm.em.fork();
    const row = await em.findOne(HubCamera, { id });
    if (!row) throw new IntelliOpticsError('NOT_FOUND', `No camera has the id ${id}.`);
    row.zones = parsed.data;
    row.zonesUpdatedAt = new Date();
    row.zonesUpdatedBy = by;
    await em.flush();
    return row;
  }
}
