/**
 * Zones drawn at the cloud reach the edge and its compound rules: a real RTSP camera feeds a stream of
 * edge-config (with a local zone "entrance" on the right half of the frame); the edge's heartbeats report the
 * stream, its local zone and its latest frame to a real cloud (PostgreSQL); an admin saves "entrance" as the
 * left half at the cloud (setCameraZones); the edge pulls it after its next heartbeat, saves it beside
 * edge-config.yaml, and the compound `person inside "entrance"` asked through the Groundlight route with
 * `detection/person.jpg` (one person, its box centre in the left half; the real COCO detector) turns from NO
 * (the local zone) to YES (the cloud's zone overrides the local one of its name).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageQuerySchema, type Explanation, type ImageQuery } from '@intellioptics/schema';
import { fixture } from '@intellioptics/vision/test-fixtures';
import { startGateway, waitFor, type Harness } from './support/harness';
import { cloudChild, createDatabase, gql, inferenceChild, type ServiceChild } from './support/real-services';
import { startRtspServer, type RtspTestServer } from './streams/rtsp-test.server';

const ADMIN = 'io_admin_edge_camera_zones_token_01';

let work = '';
let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let inference: ServiceChild;
let camera: RtspTestServer;
let cloudUrl = '';
let hubId = '';
let edge: Harness;
let person = '';
let inEntrance = '';

interface Camera {
  id: string;
  name: string;
  detectorIds: string[];
  frameDataUrl: string | null;
  frameWidth: number | null;
  localZones: { name: string; box: unknown }[];
}

async function cloudPost(path: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${cloudUrl}/device-api/v1/${path}`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function cameras(): Promise<Camera[]> {
  const data = await gql<{ hub: { cameras: Camera[] } }>(
    cloudUrl,
    ADMIN,
    `query($id: ID!) { hub(id: $id) { cameras { id name detectorIds frameDataUrl frameWidth localZones { name box { x y width height } } } } }`,
    { id: hubId },
  );
  return data.hub.cameras;
}

async function ask(detectorId: string, image: Buffer): Promise<{ iq: ImageQuery; evaluation: string }> {
  const res = await fetch(`${edge.url}/device-api/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
    body: new Uint8Array(image),
  });
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  const iq = ImageQuerySchema.parse(body);
  const ex = await fetch(`${edge.url}/device-api/v1/image-queries/${iq.id}/explanation`, {
    headers: { 'x-api-token': ADMIN },
  });
  const explanation = (await ex.json()) as Explanation;
  return { iq, evaluation: explanation.steps.filter((s) => s.kind === 'rule').at(-1)?.text ?? '' };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edge-camera-zones-'));
  db = createDatabase();
  ({ child: cloud, url: cloudUrl } = await cloudChild({ databaseUrl: db.url, work, adminToken: ADMIN }));
  await cloud.start();
  camera = await startRtspServer();
  const tag = work.slice(-6);
  person = await cloudPost('detectors', {
    name: `person ${tag}`,
    query: 'How many persons?',
    mode: 'COUNT',
    mode_configuration: { class_name: 'person', max_count: 10 },
    confidence_threshold: 0.5,
  });
  inEntrance = await cloudPost('compound-detectors', {
    name: `person at the entrance ${tag}`,
    query: 'Is a person at the entrance?',
    confidence_threshold: 0.5,
    rule: {
      all: [
        { detector: person, count: { gte: 1 } },
        { detector: person, inside: 'entrance' },
      ],
    },
  });
  const hub = await gql<{ registerHub: { token: string; hub: { id: string } } }>(
    cloudUrl,
    ADMIN,
    'mutation { registerHub(name: "edge-camera-zones", detectorIds: null) { token hub { id } } }',
  );
  hubId = hub.registerHub.hub.id;

  const ioHome = join(work, 'edge-home');
  const started = await inferenceChild(ioHome);
  inference = started.child;
  await inference.start();
  edge = await startGateway({
    cloudUrl,
    inferenceUrl: started.url,
    token: ADMIN,
    ioHome,
    env: {
      MODEL_UPDATES: '1',
      EDGE_HUB_TOKEN: hub.registerHub.token,
      HEARTBEAT_INTERVAL_S: '1',
      CLOUD_TIMEOUT_MS: '3000',
      SYNC_ESCALATION_TIMEOUT_MS: '6000',
    },
    configYaml: [
      'global_config: { refresh_rate: 3600, confident_audit_rate: 0 }',
      'detectors:',
      ...[person, inEntrance].map(
        (id) => `  - { detector_id: ${id}, edge_inference_config: edge_answers_with_escalation }`,
      ),
      'streams:',
      '  gate:',
      `    url: "${camera.url('street')}"`,
      `    detector_ids: [${inEntrance}]`,
      '    interval_s: 30',
      '    zones:',
      '      - { name: entrance, box: { x: 0.5, y: 0, width: 0.5, height: 1 } }',
    ].join('\n'),
  });
}, 600_000);

afterAll(async () => {
  await edge?.gateway.close();
  await inference?.stop();
  await camera?.stop();
  await cloud?.stop();
  db?.drop();
}, 60_000);

describe('zones drawn at the cloud, used by the edge', () => {
  it('the heartbeat reports the stream, its local zone and a downscaled JPEG of its latest frame', async () => {
    const gate = await waitFor(
      async () => (await cameras()).find((c) => c.name === 'gate' && c.frameDataUrl !== null),
      90_000,
      'the camera with a frame at the cloud',
    );
    expect(gate.detectorIds).toEqual([inEntrance]);
    expect(gate.localZones).toEqual([{ name: 'entrance', box: { x: 0.5, y: 0, width: 0.5, height: 1 } }]);
    const jpeg = Buffer.from(gate.frameDataUrl!.replace(/^data:image\/jpeg;base64,/, ''), 'base64');
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(gate.frameWidth).toBeGreaterThan(0);
    expect(gate.frameWidth).toBeLessThanOrEqual(640);
    expect(jpeg.length).toBeLessThan(128 * 1024);
  }, 120_000);

  it('the local zone decides until the cloud has one of its name; then the cloud zone does', async () => {
    const image = await fixture('detection/person.jpg');
    const before = await ask(inEntrance, image);
    expect(before.iq.result).toMatchObject({ label: 'NO', from_edge: true });
    expect(before.evaluation).toContain('inside "entrance" (0 of 1 boxes): false');

    const gate = (await cameras()).find((c) => c.name === 'gate')!;
    const leftHalf = [
      { x: 0, y: 0 },
      { x: 0.5, y: 0 },
      { x: 0.5, y: 1 },
      { x: 0, y: 1 },
    ];
    const saved = await gql<{ setCameraZones: { ok: boolean } }>(
      cloudUrl,
      ADMIN,
      'mutation($id: ID!, $zones: [CameraZoneInput!]!) { setCameraZones(cameraId: $id, zones: $zones) { ok } }',
      { id: gate.id, zones: [{ name: 'entrance', polygon: leftHalf }] },
    );
    expect(saved.setCameraZones.ok).toBe(true);

    const file = join(edge.ioHome, 'config', 'cloud-zones.json');
    const pulled = await waitFor(
      () => {
        try {
          return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        } catch {
          return null;
        }
      },
      30_000,
      'the cloud zones saved at the edge',
    );
    expect(pulled).toEqual({ gate: [{ name: 'entrance', polygon: leftHalf.map((p) => [p.x, p.y]) }] });

    const after = await ask(inEntrance, image);
    expect(after.iq.result).toMatchObject({ label: 'YES', from_edge: true });
    expect(after.evaluation).toContain('inside "entrance" (1 of 1 boxes): true');
  }, 120_000);
});
