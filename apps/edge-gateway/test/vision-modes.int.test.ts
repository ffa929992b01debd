/**
 * COUNT, BOUNDING_BOX and TEXT answered at the edge by the built-in models (COCO detector, PP-OCRv4), through
 * the edge's REST API with a real inference service and a real cloud, for detectors that have NO trained model:
 * the edge sends each detector's spec to inference. Real photos from libs/vision's fixtures, truths written
 * here (normalised left, top, right, bottom, read off the images by hand, as in apps/inference's
 * builtin.int.test.ts). Every answer is checked against the Groundlight OpenAPI spec (the repo's fixture).
 * Tolerances: person.jpg counted exactly (1) and boxed with IoU ≥ 0.5; the street frame within ±1 of the hand
 * count; rendered labels read with a character error rate ≤ 5%, with and without the word spaces.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageQuerySchema, type ImageQuery, type Roi } from '@intellioptics/schema';
import { fixture } from '@intellioptics/vision/test-fixtures';
import { specErrors } from '@intellioptics/cloud-graph/test-openapi';
import { startGateway, type Harness } from './support/harness';
import type { ServiceChild } from './support/real-services';
import { cloudChild, inferenceChild, createDatabase } from './support/real-services';

const ADMIN = 'io_admin_edge_vision_token_00000001';

type Truth = [left: number, top: number, right: number, bottom: number];
const PERSON: Truth = [0.3, 0.235, 0.43, 0.885];
/** street-050.jpg: four people, none hidden. */
const STREET_050_PEOPLE = 4;

function iou([l, t, r, b]: Truth, g: Roi['geometry']): number {
  const w = Math.max(0, Math.min(r, g.right) - Math.max(l, g.left));
  const h = Math.max(0, Math.min(b, g.bottom) - Math.max(t, g.top));
  const inter = w * h;
  return inter / ((r - l) * (b - t) + (g.right - g.left) * (g.bottom - g.top) - inter);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

async function renderLabel(text: string, size: number): Promise<Buffer> {
  const lineHeight = Math.round(size * 1.6);
  const svg =
    `<svg width="520" height="${lineHeight + 40}" xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="white"/>` +
    `<text x="24" y="${20 + lineHeight - size * 0.4}" font-family="Liberation Sans, sans-serif" font-size="${size}" fill="black">${text}</text></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

let work = '';
let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let inference: ServiceChild;
let cloudUrl = '';
let edge: Harness;
const det = { count: '', boxes: '', text: '', short: '', pallet: '' };

async function createDetector(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${cloudUrl}/device-api/v1/detectors`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ confidence_threshold: 0.5, ...body }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return ((await res.json()) as { id: string }).id;
}

async function ask(
  detectorId: string,
  image: Buffer,
  params: Record<string, string> = {},
): Promise<{ iq: ImageQuery; reason: string | null }> {
  const q = new URLSearchParams({ detector_id: detectorId, ...params });
  const res = await fetch(`${edge.url}/device-api/v1/image-queries?${q.toString()}`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
    body: new Uint8Array(image),
  });
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(specErrors('ImageQuery', body)).toEqual([]);
  return { iq: ImageQuerySchema.parse(body), reason: res.headers.get('x-intellioptics-reason') };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edge-vision-'));
  db = createDatabase();
  ({ child: cloud, url: cloudUrl } = await cloudChild({
    databaseUrl: db.url,
    work,
    adminToken: ADMIN,
    trainInProcess: true,
  }));
  await cloud.start();
  const tag = work.slice(-6);
  det.count = await createDetector({
    name: `people ${tag}`,
    query: 'How many people?',
    mode: 'COUNT',
    mode_configuration: { class_name: 'people', max_count: 10 },
  });
  det.boxes = await createDetector({
    name: `person boxes ${tag}`,
    query: 'Where are the people?',
    mode: 'BOUNDING_BOX',
    mode_configuration: { class_name: 'person', max_num_bboxes: 10 },
  });
  det.text = await createDetector({
    name: `label ${tag}`,
    query: 'What does the label say?',
    mode: 'TEXT',
    mode_configuration: { value_max_length: 40 },
  });
  det.short = await createDetector({
    name: `short label ${tag}`,
    query: 'First letters of the label?',
    mode: 'TEXT',
    mode_configuration: { value_max_length: 3 },
  });
  det.pallet = await createDetector({
    name: `pallets ${tag}`,
    query: 'How many pallets?',
    mode: 'COUNT',
    mode_configuration: { class_name: 'pallet', max_count: 5 },
  });

  const ioHome = join(work, 'edge-home');
  const started = await inferenceChild(ioHome);
  inference = started.child;
  const inferenceAt = started.url;
  await inference.start();
  edge = await startGateway({
    cloudUrl,
    inferenceUrl: inferenceAt,
    token: ADMIN,
    ioHome,
    env: { CLOUD_TIMEOUT_MS: '3000', SYNC_ESCALATION_TIMEOUT_MS: '6000' },
    configYaml: [
      'global_config: { refresh_rate: 3600, confident_audit_rate: 0 }',
      'detectors:',
      ...[det.count, det.boxes, det.text, det.short].map(
        (id) => `  - { detector_id: ${id}, edge_inference_config: edge_answers_with_escalation }`,
      ),
      `  - { detector_id: ${det.pallet}, edge_inference_config: default }`,
    ].join('\n'),
  });
}, 600_000);

afterAll(async () => {
  await edge?.gateway.close();
  await inference?.stop();
  await cloud?.stop();
  db?.drop();
}, 60_000);

describe('built-in models answer through the edge REST API (no trained model)', () => {
  it('COUNT "people": one person in person.jpg, the street frame within ±1, boxes in rois', async () => {
    const one = await ask(det.count, await fixture('detection/person.jpg'));
    expect(one.iq.result).toMatchObject({
      result_type: 'counting',
      count: 1,
      greater_than_max: false,
      source: 'ALGORITHM',
      from_edge: true,
    });
    expect(specErrors('CountingResult', one.iq.result)).toEqual([]);
    expect(one.iq.rois).toHaveLength(1);
    expect(iou(PERSON, one.iq.rois![0]!.geometry)).toBeGreaterThanOrEqual(0.5);
    expect(one.iq.metadata).toEqual({ is_from_edge: true });

    const street = await ask(det.count, await fixture('detection/street-050.jpg'));
    const count = (street.iq.result as { count: number }).count;
    console.log(
      `street-050: counted ${count} of ${STREET_050_PEOPLE}, confidence ${street.iq.result?.confidence}`,
    );
    expect(Math.abs(count - STREET_050_PEOPLE)).toBeLessThanOrEqual(1);
  }, 120_000);

  it('BOUNDING_BOX "person": label BOUNDING_BOX, a roi over the person (IoU ≥ 0.5) in the Groundlight shape', async () => {
    const { iq } = await ask(det.boxes, await fixture('detection/person.jpg'));
    expect(iq.result).toMatchObject({ result_type: 'bounding_box', label: 'BOUNDING_BOX', from_edge: true });
    expect(specErrors('BoundingBoxResult', iq.result)).toEqual([]);
    for (const roi of iq.rois!) expect(specErrors('ROI', roi)).toEqual([]);
    const best = Math.max(...iq.rois!.map((r) => iou(PERSON, r.geometry)));
    expect(best).toBeGreaterThanOrEqual(0.5);
    expect(iq.rois![0]).toMatchObject({ label: 'person' });
  }, 120_000);

  it('TEXT: rendered labels read with CER ≤ 5% (spaces included), truncated at value_max_length', async () => {
    // The labels of apps/inference's builtin.int.test.ts, rendered the same way.
    const labels = ['LOT 4821-B', 'SERIAL X7Q-3390', 'GATE 7 CLOSED', 'MAX LOAD 500 KG'];
    let errors = 0;
    let errorsWithSpaces = 0;
    let chars = 0;
    let charsWithSpaces = 0;
    for (const truth of labels) {
      const { iq } = await ask(det.text, await renderLabel(truth, 36));
      expect(specErrors('TextRecognitionResult', iq.result)).toEqual([]);
      const read = (iq.result as { text: string }).text;
      console.log(`read ${JSON.stringify(read)} for ${JSON.stringify(truth)}`);
      expect(iq.text).toBe(read);
      expect(iq.result).toMatchObject({ truncated: false, from_edge: true, source: 'ALGORITHM' });
      const bare = (s: string) => s.replace(/\s+/g, '');
      errors += editDistance(bare(read), bare(truth));
      chars += bare(truth).length;
      errorsWithSpaces += editDistance(read.trim(), truth);
      charsWithSpaces += truth.length;
    }
    const cer = errors / chars;
    console.log(
      `edge TEXT CER: ${(100 * cer).toFixed(1)}% without spaces, ${((100 * errorsWithSpaces) / charsWithSpaces).toFixed(1)}% with`,
    );
    expect(cer).toBeLessThanOrEqual(0.05);
    // Word spaces come from the recogniser's space class in the gaps (libs/vision ctc-decode.ts).
    expect(errorsWithSpaces / charsWithSpaces).toBeLessThanOrEqual(0.05);
    const short = await ask(det.short, await renderLabel('GATE 7 CLOSED', 36));
    expect(short.iq.result).toMatchObject({ text: 'GAT', truncated: true });
    expect(short.iq.text).toBe('GAT');
  }, 120_000);

  it('the cloud answers the same detectors with the same shapes (count, rois, text) when asked directly', async () => {
    const cloudAsk = async (detectorId: string, image: Buffer): Promise<ImageQuery> => {
      const res = await fetch(`${cloudUrl}/device-api/v1/image-queries?detector_id=${detectorId}`, {
        method: 'POST',
        headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
        body: new Uint8Array(image),
      });
      const body: unknown = await res.json();
      expect(res.status, JSON.stringify(body)).toBeLessThan(300);
      expect(specErrors('ImageQuery', body)).toEqual([]);
      return ImageQuerySchema.parse(body);
    };
    const person = await fixture('detection/person.jpg');
    const count = await cloudAsk(det.count, person);
    expect(count.result).toMatchObject({
      result_type: 'counting',
      count: 1,
      source: 'CLOUD',
      from_edge: false,
    });
    expect(iou(PERSON, count.rois![0]!.geometry)).toBeGreaterThanOrEqual(0.5);
    const boxes = await cloudAsk(det.boxes, person);
    expect(boxes.result).toMatchObject({ result_type: 'bounding_box', label: 'BOUNDING_BOX' });
    expect(Math.max(...boxes.rois!.map((r) => iou(PERSON, r.geometry)))).toBeGreaterThanOrEqual(0.5);
    const text = await cloudAsk(det.text, await renderLabel('GATE 7 CLOSED', 36));
    expect(text.result).toMatchObject({
      result_type: 'text_recognition',
      text: 'GATE 7 CLOSED',
      truncated: false,
    });
    expect(text.text).toBe('GATE 7 CLOSED');
  }, 180_000);

  it('a class outside COCO escalates as NO_MODEL and answers the chance-level prior meanwhile', async () => {
    const { iq, reason } = await ask(det.pallet, await fixture('detection/person.jpg'), {
      metadata: Buffer.from(JSON.stringify({ line: 2 })).toString('base64url'),
    });
    expect(reason).toBe('NO_MODEL');
    expect(iq.result).toMatchObject({ result_type: 'counting', count: null, source: 'ALGORITHM' });
    expect(iq.result!.confidence).toBeLessThanOrEqual(1 / 6);
    expect(iq.metadata).toEqual({ line: 2 });
    // The cloud has the query (escalated) and gives the caller its metadata back unchanged.
    const inCloud = await fetch(`${cloudUrl}/device-api/v1/image-queries/${iq.id}`, {
      headers: { 'x-api-token': ADMIN },
    });
    expect(inCloud.status).toBe(200);
    expect(((await inCloud.json()) as ImageQuery).metadata).toEqual({ line: 2 });
  }, 120_000);
});
