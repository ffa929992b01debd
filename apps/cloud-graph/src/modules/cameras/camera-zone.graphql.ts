/**
 * Zones in GraphQL: edge-config's zone (`box` or `polygon` in fractions of the frame) with polygon points as
 * `{x, y}` objects; and the camera list of the hub heartbeat. No import of hub.graphql (it imports this).
 */
import type { Zone } from '@intellioptics/schema';
import { builder } from '../../graphql/builder';
import type { CameraReport } from './camera.service';

interface ZoneBox {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface ZonePoint {
  x: number;
  y: number;
}

const ZoneBoxRef = builder.objectRef<ZoneBox>('CameraZoneBox').implement({
  description: 'An axis-aligned box, in fractions of the frame (x, y: its top-left corner).',
  fields: (t) => ({
    x: t.exposeFloat('x'),
    y: t.exposeFloat('y'),
    width: t.exposeFloat('width'),
    height: t.exposeFloat('height'),
  }),
});

const ZonePointRef = builder.objectRef<ZonePoint>('CameraZonePoint').implement({
  description: 'A point in fractions of the frame (0,0 top-left, 1,1 bottom-right).',
  fields: (t) => ({ x: t.exposeFloat('x'), y: t.exposeFloat('y') }),
});

export const CameraZoneRef = builder.objectRef<Zone>('CameraZone').implement({
  description:
    "A named region of a camera's frame for compound rules' `inside` leaves: a box or a polygon (edge-config zones).",
  fields: (t) => ({
    name: t.exposeString('name'),
    box: t.field({ type: ZoneBoxRef, nullable: true, resolve: (z) => z.box ?? null }),
    polygon: t.field({
      type: [ZonePointRef],
      nullable: true,
      resolve: (z) => z.polygon?.map(([x, y]) => ({ x, y })) ?? null,
    }),
  }),
});

const ZoneBoxInput = builder.inputType('CameraZoneBoxInput', {
  fields: (t) => ({
    x: t.float({ required: true }),
    y: t.float({ required: true }),
    width: t.float({ required: true }),
    height: t.float({ required: true }),
  }),
});

const ZonePointInput = builder.inputType('CameraZonePointInput', {
  fields: (t) => ({ x: t.float({ required: true }), y: t.float({ required: true }) }),
});

export const CameraZoneInput = builder.inputType('CameraZoneInput', {
  description: 'Give either box or polygon (3-64 points); names are unique per camera.',
  fields: (t) => ({
    name: t.string({ required: true }),
    box: t.field({ type: ZoneBoxInput }),
    polygon: t.field({ type: [ZonePointInput] }),
  }),
});

type ZoneInput = {
  name: string;
  box?: ZoneBox | null;
  polygon?: readonly ZonePoint[] | null;
};

/** The edge-config shape of zone inputs (validated later with libs/schema's ZonesSchema). */
export function zonesOfInput(zones: readonly ZoneInput[]): Zone[] {
  return zones.map((z) => ({
    name: z.name,
    ...(z.box ? { box: { x: z.box.x, y: z.box.y, width: z.box.width, height: z.box.height } } : {}),
    ...(z.polygon ? { polygon: z.polygon.map((p) => [p.x, p.y] as [number, number]) } : {}),
  }));
}

const CameraFrameInput = builder.inputType('HubCameraFrameInput', {
  description: 'The latest frame the detectors saw, downscaled (JPEG, at most 128 KB).',
  fields: (t) => ({
    jpegBase64: t.string({ required: true }),
    width: t.int({ required: true }),
    height: t.int({ required: true }),
    at: t.field({ type: 'DateTime', required: true, description: 'When the edge received it.' }),
  }),
});

export const HubCameraInput = builder.inputType('HubCameraInput', {
  description: "One camera (a `streams` entry of the edge's edge-config).",
  fields: (t) => ({
    name: t.string({ required: true, description: "The stream's key in edge-config." }),
    detectorIds: t.idList({ required: true }),
    localZones: t.field({
      type: [CameraZoneInput],
      description: "The zones of the edge's own edge-config for this stream.",
    }),
    frame: t.field({ type: CameraFrameInput, description: 'Left out: keep the last one.' }),
  }),
});

/** The heartbeat's camera list as the camera service takes it. */
export function cameraReportsOf(
  cameras: readonly {
    name: string;
    detectorIds: readonly (string | number)[];
    localZones?: readonly ZoneInput[] | null;
    frame?: { jpegBase64: string; width: number; height: number; at: Date } | null;
  }[],
): CameraReport[] {
  return cameras.map((c) => ({
    name: c.name,
    detectorIds: c.detectorIds.map(String),
    localZones: zonesOfInput(c.localZones ?? []),
    frame: c.frame
      ? {
          jpeg: Buffer.from(c.frame.jpegBase64, 'base64'),
          width: c.frame.width,
          height: c.frame.height,
          at: c.frame.at,
        }
      : null,
  }));
}
