/**
 * The edge's side of camera zones: each hub heartbeat lists the edge-config's camera streams (detectors, local
 * zones, the latest frame downscaled), and after a heartbeat the cloud took the zones drawn at the cloud are
 * pulled into the CloudZoneStore, which compound rules read (camera-zones.ts has the precedence).
 */
import type { EdgeConfig } from '@intellioptics/schema';
import type { CloudClient, HubCameraReport } from '../cloud-client/cloud.client';
import type { Logger } from '../logger';
import type { CloudZoneStore } from './camera-zones';
import type { LatestFrames } from './latest-frames';
import { fromWireZones, toWireZone } from './zone-wire';

/** Frame bytes per heartbeat (base64 grows it by a third; the cloud takes 1 MB per GraphQL request). */
export const FRAME_BUDGET_BYTES = 600 * 1024;

export class CameraSync {
  /** When the frame last sent of each stream was captured: an unchanged frame is not sent again. */
  private readonly sentFrameAt = new Map<string, number>();

  constructor(
    private readonly deps: {
      cloud: Pick<CloudClient, 'cameraZones'>;
      config: { readonly config: EdgeConfig };
      frames: LatestFrames;
      zones: CloudZoneStore;
      token: string;
      log: Logger;
    },
  ) {}

  /** The heartbeat's camera list: every configured stream; new frames first by staleness, within the budget. */
  async report(): Promise<HubCameraReport[]> {
    const streams = this.deps.config.config.streams;
    this.deps.frames.keepOnly(new Set(Object.keys(streams)));
    const order = Object.keys(streams).sort(
      (a, b) => (this.sentFrameAt.get(a) ?? 0) - (this.sentFrameAt.get(b) ?? 0),
    );
    let budget = FRAME_BUDGET_BYTES;
    const frames = new Map<string, HubCameraReport['frame']>();
    for (const name of order) {
      const at = this.deps.frames.latestAt(name);
      if (!at || this.sentFrameAt.get(name) === at.getTime()) continue;
      const t = await this.deps.frames.thumbnail(name);
      if (!t || t.jpeg.length > budget) continue;
      budget -= t.jpeg.length;
      this.sentFrameAt.set(name, at.getTime());
      frames.set(name, {
        jpegBase64: t.jpeg.toString('base64'),
        width: t.width,
        height: t.height,
        at: t.at.toISOString(),
      });
    }
    return Object.entries(streams).map(([name, s]) => {
      const frame = frames.get(name);
      return {
        name,
        detectorIds: [...s.detector_ids],
        localZones: (s.zones ?? []).map(toWireZone),
        ...(frame ? { frame } : {}),
      };
    });
  }

  /** Pulls the cloud's zones; unreachable or refused keeps the ones the edge has. */
  async pull(): Promise<boolean> {
    const r = await this.deps.cloud.cameraZones(this.deps.token);
    if (r.kind !== 'ok') {
      this.deps.log.debug({ outcome: r.kind }, 'camera zones not pulled; keeping the ones the edge has');
      return false;
    }
    const next = new Map<string, ReturnType<typeof fromWireZones>>();
    for (const camera of r.value) {
      try {
        next.set(camera.name, fromWireZones(camera.zones));
      } catch (e) {
        // The cloud validates zones as the edge does; one that does not parse keeps the camera's previous ones.
        this.deps.log.warn(
          { err: e, stream: camera.name },
          'zones from the cloud are not valid; keeping them',
        );
        next.set(camera.name, this.deps.zones.zonesFor(camera.name));
      }
    }
    return this.deps.zones.replace(next);
  }
}
