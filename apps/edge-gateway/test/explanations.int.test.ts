/**
 * Explanations through the edge's REST API with a real inference service (the built-in COCO detector on real
 * photos) and a real cloud (child process on PostgreSQL): a confident answer explains itself with steps
 * ending in the decision and the boxes it rests on; an escalated one says why; once escalated (in the
 * background through the outbox, or synchronously) the cloud returns the edge's explanation; an image query
 * the edge does not hold is answered by the cloud; unknown ids are 404 and a token is required. The image
 * query JSON keeps the Groundlight shape.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExplanationSchema, type Explanation } from '@intellioptics/schema';
import { fixture } from '@intellioptics/vision/test-fixtures';
import { specErrors } from '@intellioptics/cloud-graph/test-openapi';
import { startGateway, waitFor, type Harness } from './support/harness';
import type { ServiceChild } from './support/real-services';
import { cloudChild, inferenceChild, createDatabase } from './support/real-services';

const ADMIN = 'io_admin_edge_explain_token_000001';

let work = '';
let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let inference: ServiceChild;
let cloudUrl = '';
let edge: Harness;
/** sure: threshold 0.05 (answered at the edge); unsure: 0.999 (escalated in the background); pallet: no model. */
const det = { sure: '', unsure: '', pallet: '' };

async function createDetector(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${cloudUrl}/device-api/v1/detectors`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return ((await res.json()) as { id: string }).id;
}

async function ask(base: string, detectorId: string, image: Buffer) {
  const res = await fetch(`${base}/device-api/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
    body: new Uint8Array(image),
  });
  const body = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(body)).toBeLessThan(300);
  expect(specErrors('ImageQuery', body)).toEqual([]);
  expect(body).not.toHaveProperty('explanation');
  return { id: body.id, reason: res.headers.get('x-intellioptics-reason') };
}

async function explanation(base: string, id: string, token: string | null = ADMIN) {
  const res = await fetch(`${base}/device-api/v1/image-queries/${id}/explanation`, {
    headers: token ? { 'x-api-token': token } : {},
  });
  return { status: res.status, json: (await res.json()) as Explanation & { detail?: string } };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edge-explain-'));
  db = createDatabase();
  ({ child: cloud, url: cloudUrl } = await cloudChild({ databaseUrl: db.url, work, adminToken: ADMIN }));
  await cloud.start();
  const tag = work.slice(-6);
  const people = (name: string, threshold: number) =>
    createDetector({
      name: `${name} ${tag}`,
      query: 'How many people?',
      mode: 'COUNT',
      mode_configuration: { class_name: 'person', max_count: 10 },
      confidence_threshold: threshold,
    });
  det.sure = await people('people sure', 0.05);
  det.unsure = await people('people unsure', 0.999);
  det.pallet = await createDetector({
    name: `pallets ${tag}`,
    query: 'How many pallets?',
    mode: 'COUNT',
    mode_configuration: { class_name: 'pallet', max_count: 5 },
    confidence_threshold: 0.5,
  });

  const ioHome = join(work, 'edge-home');
  const started = await inferenceChild(ioHome);
  inference = started.child;
  await inference.start();
  edge = await startGateway({
    cloudUrl,
    inferenceUrl: started.url,
    token: ADMIN,
    ioHome,
    env: { CLOUD_TIMEOUT_MS: '3000', SYNC_ESCALATION_TIMEOUT_MS: '6000' },
    configYaml: [
      'global_config: { refresh_rate: 3600, confident_audit_rate: 0 }',
      'detectors:',
      `  - { detector_id: ${det.sure}, edge_inference_config: edge_answers_with_escalation }`,
      `  - { detector_id: ${det.unsure}, edge_inference_config: edge_answers_with_escalation }`,
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

describe('explanations through the edge', () => {
  it('a confident answer: model steps, the confidence against the threshold, the decision, the boxes', async () => {
    const { id, reason } = await ask(edge.url, det.sure, await fixture('detection/person.jpg'));
    expect(reason).toBe('CONFIDENT');
    const r = await explanation(edge.url, id);
    expect(r.status).toBe(200);
    const e = ExplanationSchema.parse(r.json);
    expect(e).toMatchObject({ image_query_id: id, label: '1' });
    expect(e.steps.map((s) => s.kind)).toEqual(['observation', 'confidence', 'decision']);
    expect(e.steps[0]!.data).toMatchObject({ count: 1, boxes: 1 });
    expect(e.steps[1]!.data).toMatchObject({ threshold: 0.05, confident: true });
    expect(e.steps[2]).toMatchObject({
      text: 'Answered at the edge: the confidence clears the threshold.',
      data: { reason: 'CONFIDENT', escalated: false },
    });
    expect(e.rois).toHaveLength(1);
    expect(e.rois![0]).toMatchObject({ label: 'person' });
  }, 120_000);

  it('an unsure answer says why it escalated, and the cloud returns the same explanation', async () => {
    const { id, reason } = await ask(edge.url, det.unsure, await fixture('detection/street-050.jpg'));
    expect(reason).toBe('BELOW_THRESHOLD');
    const atEdge = ExplanationSchema.parse((await explanation(edge.url, id)).json);
    const decision = atEdge.steps[atEdge.steps.length - 1]!;
    expect(decision).toMatchObject({
      kind: 'decision',
      data: { reason: 'BELOW_THRESHOLD', escalated: true },
    });
    expect(decision.text).toMatch(/escalated to the cloud: the confidence is below the threshold/);
    expect(atEdge.steps[atEdge.steps.length - 2]!.data).toMatchObject({ threshold: 0.999, confident: false });

    // Delivered by the outbox (multipart: the image and the explanation).
    const inCloud = await waitFor(
      async () => {
        const r = await explanation(cloudUrl, id);
        return r.status === 200 ? r.json : null;
      },
      30_000,
      'the escalation to reach the cloud',
    );
    expect(inCloud.steps.slice(0, atEdge.steps.length)).toEqual(atEdge.steps);
    expect(inCloud).toMatchObject({
      image_query_id: id,
      label: atEdge.label,
      evidence: atEdge.evidence,
      neighbors: atEdge.neighbors,
      rois: atEdge.rois,
    });
    // Then the cloud's own steps (its built-in detector's confidence, its decision), each saying where.
    const cloudSteps = inCloud.steps.slice(atEdge.steps.length);
    expect(cloudSteps.length).toBeGreaterThan(0);
    for (const step of cloudSteps) expect(step.text).toMatch(/^In the cloud: /);
    expect(cloudSteps[cloudSteps.length - 1]!.kind).toBe('decision');

    // A reviewer labels it in the cloud: the edge pulls the answer and its explanation ends with the label.
    const label = await fetch(`${cloudUrl}/device-api/v1/labels`, {
      method: 'POST',
      headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ image_query_id: id, label: '4' }),
    });
    expect(label.status, await label.clone().text()).toBe(201);
    const labelled = await waitFor(
      async () => {
        const r = (await explanation(edge.url, id)).json;
        return r.steps[r.steps.length - 1]?.data?.['answered_by'] === 'reviewer' ? r : null;
      },
      30_000,
      "the reviewer's label to reach the edge",
    );
    expect(labelled.steps.slice(0, atEdge.steps.length)).toEqual(atEdge.steps);
    expect(labelled.steps[labelled.steps.length - 1]!.text).toBe('Labelled by a reviewer: "4".');
    expect(labelled).toMatchObject({ label: '4', confidence: 1 });
  }, 120_000);

  it('no edge model: escalated synchronously, and the explanation says so at the edge and in the cloud', async () => {
    const { id, reason } = await ask(edge.url, det.pallet, await fixture('detection/person.jpg'));
    expect(reason).toBe('NO_MODEL');
    const atEdge = ExplanationSchema.parse((await explanation(edge.url, id)).json);
    // What the model saw (it knows no "pallet"), then the decision.
    expect(atEdge.steps.map((s) => s.kind)).toEqual(['observation', 'decision']);
    expect(atEdge.steps[0]!.text).toMatch(/pallet/i);
    expect(atEdge.steps[1]!.text).toBe(
      'Escalated to the cloud: no edge model is installed for this detector yet.',
    );
    const inCloud = await explanation(cloudUrl, id);
    expect(inCloud.status).toBe(200);
    expect(inCloud.json.steps.slice(0, 2)).toEqual(atEdge.steps);
  }, 120_000);

  it('an image query the edge does not hold is answered by the cloud; unknown → 404; no token → 401', async () => {
    const { id } = await ask(cloudUrl, det.pallet, await fixture('detection/person.jpg'));
    const viaEdge = await explanation(edge.url, id);
    expect(viaEdge.status).toBe(200);
    expect(viaEdge.json).toEqual((await explanation(cloudUrl, id)).json);
    expect(viaEdge.json.steps[viaEdge.json.steps.length - 1]!.text).toMatch(/^sent to the review queue/);

    const missing = await explanation(edge.url, 'iq_doesNotExistAnywhere');
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toEqual(expect.any(String));
    const held = (await ask(edge.url, det.sure, await fixture('detection/person.jpg'))).id;
    expect((await explanation(edge.url, held, null)).status).toBe(401);
    expect((await explanation(edge.url, held, 'io_not_a_real_token_0000000000000000')).status).toBe(401);
  }, 120_000);
});
