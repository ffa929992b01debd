/** Zones as the cloud's GraphQL carries them (`CameraZone`: polygon points as `{x, y}`) and back. */
import { ZonesSchema, type Zone } from '@intellioptics/schema';

export interface WireZone {
  name: string;
  box?: { x: number; y: number; width: number; height: number } | null;
  polygon?: { x: number; y: number }[] | null;
}

export function toWireZone(z: Zone): WireZone {
  return {
    name: z.name,
    ...(z.box ? { box: z.box } : {}),
    ...(z.polygon ? { polygon: z.polygon.map(([x, y]) => ({ x, y })) } : {}),
  };
}

/** Edge-config zones from the cloud's; throws (zod) when they are not valid ones. */
export function fromWireZones(zones: readonly WireZone[]): Zone[] {
  return ZonesSchema.parse(
    zones.map((z) => ({
      name: z.name,
      ...(z.box ? { box: { x: z.box.x, y: z.box.y, width: z.box.width, height: z.box.height } } : {}),
      ...(z.polygon ? { polygon: z.polygon.map((p) => [p.x, p.y]) } : {}),
    })),
  );
}
