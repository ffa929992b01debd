/**
 * Zones drawn in the review UI (stored at the cloud per camera) and the edge-config's own `streams.<name>.zones`,
 * merged per stream: a cloud zone replaces a local zone of the same name, and adds the ones the file does not
 * have. The cloud's zones are kept in `$IO_HOME/config/cloud-zones.json` so a restart without the cloud still
 * answers `inside` leaves with them.
 */
import { readFile } from 'node:fs/promises';
import { ZonesSchema, type Zone } from '@intellioptics/schema';
import { writeAtomically } from '../config/edge-config.service';
import type { Logger } from '../logger';

/** The zones a rule sees on one stream: local ones, each overridden by a cloud zone of its name, then the rest. */
export function mergeZones(local: readonly Zone[], cloud: readonly Zone[]): Zone[] {
  const fromCloud = new Map(cloud.map((z) => [z.name, z]));
  const merged = local.map((z) => fromCloud.get(z.name) ?? z);
  const localNames = new Set(local.map((z) => z.name));
  return [...merged, ...cloud.filter((z) => !localNames.has(z.name))];
}

/** The cloud's zones per stream name, as last pulled (persisted). */
export class CloudZoneStore {
  private zones = new Map<string, Zone[]>();

  constructor(private readonly deps: { file: string; log: Logger }) {}

  /** Reads the saved zones; a missing or broken file is an empty store (the next pull refills it). */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.deps.file, 'utf8');
    } catch {
      return;
    }
    try {
      this.zones = parseSaved(JSON.parse(text));
    } catch (e) {
      this.deps.log.warn(
        { err: e, file: this.deps.file },
        'saved cloud zones unreadable; waiting for the cloud',
      );
    }
  }

  zonesFor(stream: string): Zone[] {
    return this.zones.get(stream) ?? [];
  }

  snapshot(): Record<string, Zone[]> {
    return Object.fromEntries(this.zones);
  }

  /** Replaces every stream's zones (streams left out have none); saved when something changed. */
  async replace(next: ReadonlyMap<string, Zone[]>): Promise<boolean> {
    const wanted = new Map([...next].filter(([, z]) => z.length > 0));
    if (JSON.stringify(Object.fromEntries(wanted)) === JSON.stringify(this.snapshot())) return false;
    this.zones = wanted;
    await writeAtomically(this.deps.file, `${JSON.stringify(this.snapshot(), null, 2)}\n`);
    this.deps.log.info(
      { streams: [...wanted.keys()], zones: [...wanted.values()].reduce((n, z) => n + z.length, 0) },
      'zones from the cloud updated',
    );
    return true;
  }
}

function parseSaved(json: unknown): Map<string, Zone[]> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('not an object');
  const out = new Map<string, Zone[]>();
  for (const [stream, zones] of Object.entries(json as Record<string, unknown>)) {
    out.set(stream, ZonesSchema.parse(zones));
  }
  return out;
}
