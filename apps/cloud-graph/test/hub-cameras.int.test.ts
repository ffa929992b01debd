/**
 * Cameras and zones at the cloud: an edge's heartbeat reports its streams (detectors, local zones, the latest
 * frame); admins draw zones on a camera (`setCameraZones`, the role that edits an edge's config), reviewers and
 * hub tokens are refused; zones are validated like edge-config's; the hub token reads its own cameras' zones
 * (what the edge pulls) and no other hub's. Real server, real PostgreSQL, real JPEGs from libs/vision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '@intellioptics/vision/test-fixtures';
import { gql, startCloudForTests, type TestCloud } from './support/test-cloud';

let t: TestCloud;
let street: Buffer;
const DET = 'det_' + 'C'.repeat(27);

const HEARTBEAT =
  'mutation($input: HubHeartbeatInput!) { hubHeartbeat(input: $input) { ok error { code message } } }';
const ZONE = 'name box { x y width height } polygon { x y }';
const CAMERAS = `query($id: ID!) { hub(id: $id) { cameras {
  id name detectorIds frameWidth frameHeight frameAt frameDataUrl reportedAt zonesUpdatedBy
  zones { ${ZONE} } localZones { ${ZONE} } } } }`;
const SET =
  'mutation($id: ID!, $zones: [CameraZoneInput!]!) { setCameraZones(cameraId: $id, zones: $zones) { ok error { code message } camera { zones { name } } } }';

const door = { name: 'door', box: { x: 0, y: 0, width: 0.5, height: 1 }, polygon: null };
const bench = {
  name: 'bench',
  box: null,
  polygon: [
    { x: 0.5, y: 0.5 },
    { x: 0.9, y: 0.5 },
    { x: 0.7, y: 0.9 },
  ],
};

type Camera = {
  id: string;
  name: string;
  detectorIds: string[];
  frameWidth: number | null;
  frameHeight: number | null;
  frameAt: string | null;
  frameDataUrl: string | null;
  zonesUpdatedBy: string | null;
  zones: unknown[];
  localZones: unknown[];
};

const beat = (cameras: unknown, token = t.tokens.hub) =>
  gql(t.url)(HEARTBEAT, { input: { servedDetectors: [], counters: {}, cameras } }, token);
const cameras = async (token = t.tokens.admin, hubId = t.hubId): Promise<Camera[] | null> =>
  ((await gql(t.url)(CAMERAS, { id: hubId }, token)).body.data?.hub?.cameras as Camera[] | undefined) ?? null;
const yard = async () => (await cameras())!.find((c) => c.name === 'yard')!;
const frameOf = (jpeg: Buffer) => ({
  jpegBase64: jpeg.toString('base64'),
  width: 640,
  height: 480,
  at: '2026-12-03T07:00:00.000Z',
});

beforeAll(async () => {
  t = await startCloudForTests();
  street = await fixture('detection/street-010.jpg');
  const ok = await beat([
    {
      name: 'yard',
      detectorIds: [DET],
      localZones: [{ name: 'gate', box: { x: 0.8, y: 0, width: 0.2, height: 1 } }],
      frame: frameOf(street),
    },
    { name: 'dock', detectorIds: [] },
  ]);
  expect(ok.body.data.hubHeartbeat).toEqual({ ok: true, error: null });
});
afterAll(async () => {
  await t?.close();
});

describe('cameras reported by heartbeats', () => {
  it('lists each stream with its detectors, local zones and latest frame (bytes as sent)', async () => {
    const list = (await cameras())!;
    expect(list.map((c) => c.name)).toEqual(['dock', 'yard']);
    const y = list[1]!;
    expect(y.detectorIds).toEqual([DET]);
    expect(y.localZones).toEqual([
      { name: 'gate', box: { x: 0.8, y: 0, width: 0.2, height: 1 }, polygon: null },
    ]);
    expect([y.frameWidth, y.frameHeight, y.frameAt]).toEqual([640, 480, '2026-12-03T07:00:00.000Z']);
    expect(y.frameDataUrl).toBe(`data:image/jpeg;base64,${street.toString('base64')}`);
    expect(list[0]!.frameDataUrl).toBeNull();
    expect((await cameras(t.tokens.reviewer))!.map((c) => c.name)).toEqual(['dock', 'yard']);
  });

  it('a heartbeat without a frame keeps the last one; one that leaves the stream out keeps the camera', async () => {
    await beat([{ name: 'yard', detectorIds: [DET, 'det_' + 'E'.repeat(27)] }]);
    const y = await yard();
    expect(y.detectorIds).toHaveLength(2);
    expect(y.localZones).toEqual([]);
    expect(y.frameDataUrl).toBe(`data:image/jpeg;base64,${street.toString('base64')}`);
    await beat([]);
    expect((await cameras())!.map((c) => c.name)).toEqual(['dock', 'yard']);
  });

  it.each([
    [
      'a frame over 128 KB',
      async () => [{ name: 'yard', detectorIds: [], frame: frameOf(await fixture('detection/horses.jpg')) }],
      'at most 131072 bytes',
    ],
    [
      'a frame that is not a JPEG',
      async () => [{ name: 'yard', detectorIds: [], frame: frameOf(Buffer.from('not a jpeg at all')) }],
      'not a JPEG',
    ],
    [
      'a repeated stream name',
      async () => [
        { name: 'a', detectorIds: [] },
        { name: 'a', detectorIds: [] },
      ],
      'repeats',
    ],
    [
      'invalid local zones',
      async () => [
        {
          name: 'yard',
          detectorIds: [],
          localZones: [{ name: 'x', box: { x: 0.9, y: 0, width: 0.5, height: 1 } }],
        },
      ],
      'inside the frame',
    ],
  ])('refuses %s with BAD_REQUEST and stores nothing', async (_name, report, message) => {
    const before = await yard();
    const res = await beat(await report());
    expect(res.body.data.hubHeartbeat.ok).toBe(false);
    expect(res.body.data.hubHeartbeat.error.code).toBe('BAD_REQUEST');
    expect(res.body.data.hubHeartbeat.error.message).toContain(message);
    expect(await yard()).toEqual(before);
  });
});

describe('setCameraZones', () => {
  it('an admin saves box and polygon zones; the hub token reads them (what the edge pulls)', async () => {
    const id = (await yard()).id;
    const res = await gql(t.url)(SET, { id, zones: [door, bench] }, t.tokens.admin);
    expect(res.body.data.setCameraZones).toEqual({
      ok: true,
      error: null,
      camera: { zones: [{ name: 'door' }, { name: 'bench' }] },
    });
    const seenByHub = (await cameras(t.tokens.hub))!.find((c) => c.name === 'yard')!;
    expect(seenByHub.zones).toEqual([door, bench]);
    expect(seenByHub.zonesUpdatedBy).toMatch(/^usr_/);
    // A later heartbeat reports the stream again: the drawn zones stay.
    await beat([{ name: 'yard', detectorIds: [DET] }]);
    expect((await yard()).zones).toEqual([door, bench]);
  });

  it('reviewers and hub tokens cannot edit zones (FORBIDDEN), nothing changes', async () => {
    const before = await yard();
    for (const token of [t.tokens.reviewer, t.tokens.hub]) {
      const res = await gql(t.url)(SET, { id: before.id, zones: [] }, token);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await yard()).toEqual(before);
  });

  it.each([
    [
      'two zones with one name',
      [door, { ...door, box: { x: 0.1, y: 0.1, width: 0.2, height: 0.2 } }],
      'repeats zone name',
    ],
    ['a polygon of two points', [{ name: 'p', polygon: bench.polygon.slice(0, 2) }], 'at least 3 points'],
    [
      'a box outside the frame',
      [{ name: 'b', box: { x: 0.6, y: 0, width: 0.5, height: 1 } }],
      'inside the frame',
    ],
    ['neither box nor polygon', [{ name: 'n' }], 'either box or polygon'],
    ['a bad name', [{ ...door, name: '../etc' }], 'zones.0.name'],
  ])('refuses %s with BAD_REQUEST and keeps the stored zones', async (_name, zones, message) => {
    const before = await yard();
    const res = await gql(t.url)(SET, { id: before.id, zones }, t.tokens.admin);
    expect(res.body.data.setCameraZones.ok).toBe(false);
    expect(res.body.data.setCameraZones.error.code).toBe('BAD_REQUEST');
    expect(res.body.data.setCameraZones.error.message).toContain(message);
    expect((await yard()).zones).toEqual(before.zones);
  });

  it('an unknown camera is NOT_FOUND', async () => {
    const res = await gql(t.url)(SET, { id: 'cam_nope', zones: [] }, t.tokens.admin);
    expect(res.body.data.setCameraZones.error.code).toBe('NOT_FOUND');
  });

  it("another hub sees neither this hub's cameras nor its zones", async () => {
    const other = await t.services.hubs.register('camera-other');
    expect(await cameras(other.token)).toBeNull();
    const q = 'query($id: ID!) { camera(id: $id) { id } }';
    const id = (await yard()).id;
    expect((await gql(t.url)(q, { id }, other.token)).body.data.camera).toBeNull();
    expect((await gql(t.url)(q, { id }, t.tokens.hub)).body.data.camera).toEqual({ id });
  });
});
