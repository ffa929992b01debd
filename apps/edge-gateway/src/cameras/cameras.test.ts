/**
 * The edge's camera-zone parts: the precedence of cloud zones over edge-config's (per name), the saved copy
 * that survives a restart, the heartbeat's camera list (a frame sent once, downscaled from a real JPEG) and a
 * pull that keeps the zones when the cloud cannot be asked.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EDGE_CONFIG, type EdgeConfig, type Zone } from '@intellioptics/schema';
import { fixture } from '@intellioptics/vision/test-fixtures';
import type { Fetched } from '../cloud-client/cloud.client';
import { createLogger } from '../logger';
import { CameraSync } from './camera-sync';
import { CloudZoneStore, mergeZones } from './camera-zones';
import { LatestFrames, THUMBNAIL_MAX_SIDE } from './latest-frames';
import type { WireZone } from './zone-wire';

const log = createLogger('silent');
const box = (name: string, x: number): Zone => ({ name, box: { x, y: 0, width: 0.1, height: 0.1 } });
const tri = (name: string): Zone => ({
  name,
  polygon: [
    [0, 0],
    [1, 0],
    [0, 1],
  ],
});
const tempFile = () => join(mkdtempSync(join(tmpdir(), 'edge-zones-')), 'config', 'cloud-zones.json');

describe('mergeZones', () => {
  it('a cloud zone replaces the local one of its name, in place; the others are added after', () => {
    expect(mergeZones([box('door', 0), box('gate', 0.5)], [tri('gate'), box('bench', 0.2)])).toEqual([
      box('door', 0),
      tri('gate'),
      box('bench', 0.2),
    ]);
    expect(mergeZones([box('door', 0)], [])).toEqual([box('door', 0)]);
    expect(mergeZones([], [tri('x')])).toEqual([tri('x')]);
  });
});

describe('CloudZoneStore', () => {
  it('saves what it is given and reads it back after a restart; an empty stream is dropped', async () => {
    const file = tempFile();
    const store = new CloudZoneStore({ file, log });
    await store.load();
    expect(store.zonesFor('gate')).toEqual([]);
    expect(
      await store.replace(
        new Map([
          ['gate', [tri('entrance')]],
          ['dock', []],
        ]),
      ),
    ).toBe(true);
    expect(await store.replace(new Map([['gate', [tri('entrance')]]]))).toBe(false);
    const again = new CloudZoneStore({ file, log });
    await again.load();
    expect(again.snapshot()).toEqual({ gate: [tri('entrance')] });
  });

  it('a broken saved file is an empty store (the next pull refills it)', async () => {
    const file = tempFile();
    await new CloudZoneStore({ file, log }).replace(new Map([['gate', [tri('a')]]]));
    writeFileSync(file, JSON.stringify({ gate: [{ name: 'a', box: { x: 2 } }] }));
    const store = new CloudZoneStore({ file, log });
    await store.load();
    expect(store.snapshot()).toEqual({});
  });
});

function config(streams: EdgeConfig['streams']): { config: EdgeConfig } {
  return { config: { ...DEFAULT_EDGE_CONFIG, streams } };
}
const stream = (zones?: Zone[]) =>
  ({
    url: 'rtsp://127.0.0.1:9/none',
    detector_ids: ['det_a'],
    interval_s: 10,
    transport: 'tcp',
    ...(zones ? { zones } : {}),
  }) as EdgeConfig['streams'][string];

describe('CameraSync', () => {
  it('reports every stream with its local zones, and a new frame once, downscaled', async () => {
    const frames = new LatestFrames();
    const image = await fixture('detection/person.jpg');
    const sync = new CameraSync({
      cloud: { cameraZones: async () => ({ kind: 'ok', value: [] }) },
      config: config({ gate: stream([tri('entrance')]), dock: stream() }),
      frames,
      zones: new CloudZoneStore({ file: tempFile(), log }),
      token: 'hub_t',
      log,
    });
    const sink = frames.recording(async () => {
      throw new Error('the sink fails; the frame is still the latest');
    });
    await expect(
      sink({
        streamName: 'gate',
        detectorIds: ['det_a'],
        image,
        contentType: 'image/jpeg',
        capturedAt: new Date('2026-12-03T07:00:00Z'),
      }),
    ).rejects.toThrow();
    const first = await sync.report();
    expect(first.map((c) => [c.name, c.localZones, c.frame !== undefined])).toEqual([
      [
        'gate',
        [
          {
            name: 'entrance',
            polygon: [
              { x: 0, y: 0 },
              { x: 1, y: 0 },
              { x: 0, y: 1 },
            ],
          },
        ],
        true,
      ],
      ['dock', [], false],
    ]);
    const frame = first[0]!.frame!;
    const meta = await sharp(Buffer.from(frame.jpegBase64, 'base64')).metadata();
    const source = await sharp(image).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width, meta.height)).toBe(
      Math.min(THUMBNAIL_MAX_SIDE, Math.max(source.width, source.height)),
    );
    expect([frame.width, frame.height]).toEqual([meta.width, meta.height]);
    expect(frame.at).toBe('2026-12-03T07:00:00.000Z');
    // Nothing new: the cloud keeps the frame it has.
    expect((await sync.report())[0]!.frame).toBeUndefined();
  });

  it('a pull stores the cloud zones; an unreachable cloud or an invalid zone keeps what the edge has', async () => {
    let answer: Fetched<{ name: string; zones: WireZone[] }[]> = {
      kind: 'ok',
      value: [
        {
          name: 'gate',
          zones: [{ name: 'entrance', box: { x: 0, y: 0, width: 0.5, height: 1 }, polygon: null }],
        },
      ],
    };
    const file = tempFile();
    const zones = new CloudZoneStore({ file, log });
    const sync = new CameraSync({
      cloud: { cameraZones: async () => answer },
      config: config({ gate: stream() }),
      frames: new LatestFrames(),
      zones,
      token: 'hub_t',
      log,
    });
    const entrance: Zone = { name: 'entrance', box: { x: 0, y: 0, width: 0.5, height: 1 } };
    expect(await sync.pull()).toBe(true);
    expect(zones.snapshot()).toEqual({ gate: [entrance] });
    answer = { kind: 'unreachable', message: 'offline' };
    expect(await sync.pull()).toBe(false);
    expect(zones.snapshot()).toEqual({ gate: [entrance] });
    answer = {
      kind: 'ok',
      value: [{ name: 'gate', zones: [{ name: 'entrance', polygon: [{ x: 0, y: 0 }] }] }],
    };
    expect(await sync.pull()).toBe(false);
    expect(zones.snapshot()).toEqual({ gate: [entrance] });
    answer = { kind: 'ok', value: [{ name: 'gate', zones: [] }] };
    expect(await sync.pull()).toBe(true);
    expect(zones.snapshot()).toEqual({});
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({});
  });
});
