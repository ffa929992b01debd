import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeModelInfoSchema, encodeMetadata } from '@intellioptics/schema';
import type { LocalBlobStore } from '../src/blob/local-blob.store';
import { ImageQuery } from '../src/modules/image-queries/image-query.entity';
import { api, startCloudForTests, type TestCloud } from './support/test-cloud';
import { tinyJpeg, tinyPng, tinyWebp } from './support/images';
import { specErrors } from './helpers/openapi';

let t: TestCloud;
let call: ReturnType<typeof api>;
const P = '/device-api/v1';

beforeAll(async () => {
  t = await startCloudForTests();
  call = api(t.url);
});
afterAll(async () => {
  await t?.close();
});

const json = (body: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function createDetector(body: Record<string, unknown>) {
  const res = await call(`${P}/detectors`, { method: 'POST', token: t.tokens.admin, ...json(body) });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; name: string };
}

async function submit(query: string, body: Buffer | string, token = t.tokens.hub, type = 'image/jpeg') {
  return call(`${P}/image-queries?${query}`, {
    method: 'POST',
    token,
    headers: { 'content-type': type },
    body,
  });
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

describe('GET /me and token snippets', () => {
  it('answers /me with username, email and is_superuser false', async () => {
    const me = await call(`${P}/me`, { token: t.tokens.admin });
    expect(me.status).toBe(200);
    expect(me.json).toEqual({ username: 'admin', email: 'admin@localhost', is_superuser: false });
    const alias = await call('/v1/me', { token: t.tokens.reviewer });
    expect(alias.json).toMatchObject({ username: 'reviewer1', is_superuser: false });
  });

  it('answers api-tokens/by-snippet with 404 so SDK token rotation is skipped', async () => {
    const res = await call(`${P}/api-tokens/by-snippet/${t.tokens.admin.slice(0, 20)}`, {
      token: t.tokens.admin,
    });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ code: 'NOT_FOUND' });
    expect(typeof res.json.detail).toBe('string');
  });
});

describe('detectors', () => {
  it('creates (201) a detector with every required key, metadata decoded from base64', async () => {
    const res = await call(`${P}/detectors`, {
      method: 'POST',
      token: t.tokens.admin,
      ...json({
        name: 'door closed',
        query: 'Is the door closed?',
        pipeline_config: null,
        edge_pipeline_config: null,
        metadata: encodeMetadata({ site: 'A' }),
        confidence_threshold: 0.8,
        patience_time: 45,
        group_name: 'doors',
      }),
    });
    expect(res.status).toBe(201);
    expect(specErrors('Detector', res.json)).toEqual([]);
    expect(res.json).toMatchObject({
      type: 'detector',
      name: 'door closed',
      metadata: { site: 'A' },
      mode: 'BINARY',
      mode_configuration: null,
      confidence_threshold: 0.8,
      patience_time: 45,
      group_name: 'doors',
      status: 'ON',
      escalation_type: 'STANDARD',
    });
    expect(res.json.id).toMatch(/^det_[A-Za-z0-9]{27}$/);
  });

  it('validates mode configurations and rejects duplicates and bad bodies with 4xx problems', async () => {
    const count = await createDetector({
      name: 'cars',
      query: 'How many cars?',
      mode: 'COUNT',
      mode_configuration: { class_name: 'car', max_count: 10 },
    });
    expect(count).toMatchObject({ mode: 'COUNT', mode_configuration: { class_name: 'car', max_count: 10 } });
    const cases: [unknown, number, string][] = [
      [{ name: 'cars', query: 'again' }, 409, 'ALREADY_EXISTS'],
      [{ name: 'x', query: 'q', mode: 'COUNT' }, 400, 'BAD_REQUEST'],
      [
        { name: 'x2', query: 'q', mode: 'MULTI_CLASS', mode_configuration: { class_names: ['a'] } },
        400,
        'BAD_REQUEST',
      ],
      [{ name: '', query: 'q' }, 400, 'BAD_REQUEST'],
      [{ name: 'x3', query: 'q', confidence_threshold: 1.5 }, 400, 'BAD_REQUEST'],
      [{ name: 'x4', query: 'q', unknown_field: 1 }, 400, 'BAD_REQUEST'],
      [{ name: 'x5', query: 'q', metadata: 'not-base64-json' }, 400, 'BAD_REQUEST'],
    ];
    for (const [body, status, code] of cases) {
      const res = await call(`${P}/detectors`, { method: 'POST', token: t.tokens.admin, ...json(body) });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.json.code).toBe(code);
      expect(typeof res.json.detail).toBe('string');
    }
    const notJson = await call(`${P}/detectors`, {
      method: 'POST',
      token: t.tokens.admin,
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(notJson.status).toBe(400);
  });

  it('gets one detector, 404 for an unknown id', async () => {
    const d = await createDetector({ name: 'get me', query: 'q?' });
    const got = await call(`${P}/detectors/${d.id}`, { token: t.tokens.hub });
    expect(got.status).toBe(200);
    expect(got.json.name).toBe('get me');
    const missing = await call(`${P}/detectors/det_000000000000000000000000000`, { token: t.tokens.admin });
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('DETECTOR_NOT_FOUND');
  });

  it('lists with page/page_size and next/previous links, and filters by exact name', async () => {
    for (const n of ['page a', 'page b', 'page c']) await createDetector({ name: n, query: 'q?' });
    const all = await call(`${P}/detectors?page=1&page_size=1000`, { token: t.tokens.admin });
    const total = all.json.count as number;
    expect(total).toBeGreaterThanOrEqual(3);
    const p1 = await call(`${P}/detectors?page=1&page_size=2`, { token: t.tokens.admin });
    expect(specErrors('PaginatedDetectorList', p1.json)).toEqual([]);
    expect(p1.json.results).toHaveLength(2);
    expect(p1.json.previous).toBeNull();
    expect(p1.json.next).toBe(`${t.url}${P}/detectors?page=2&page_size=2`);
    const p2 = await call(`${P}/detectors?page=2&page_size=2`, { token: t.tokens.admin });
    expect(p2.json.previous).toContain('page=1');
    expect(p2.json.results[0].id).not.toBe(p1.json.results[0].id);
    const byName = await call(`${P}/detectors?name=${encodeURIComponent('page b')}`, {
      token: t.tokens.admin,
    });
    expect(byName.json.count).toBe(1);
    expect(byName.json.results[0].name).toBe('page b');
    const partial = await call(`${P}/detectors?name=page`, { token: t.tokens.admin });
    expect(partial.json.count).toBe(0);
    const bad = await call(`${P}/detectors?page=0`, { token: t.tokens.admin });
    expect(bad.status).toBe(400);
  });

  it('patches threshold, status and escalation type; rejects bad patches', async () => {
    const d = await createDetector({ name: 'patch me', query: 'q?' });
    for (const body of [
      { confidence_threshold: 0.75 },
      { status: 'OFF' },
      { escalation_type: 'NO_HUMAN_LABELING' },
    ]) {
      const res = await call(`${P}/detectors/${d.id}`, {
        method: 'PATCH',
        token: t.tokens.admin,
        ...json(body),
      });
      expect(res.status).toBe(200);
    }
    const got = await call(`${P}/detectors/${d.id}`, { token: t.tokens.admin });
    expect(got.json).toMatchObject({
      confidence_threshold: 0.75,
      status: 'OFF',
      escalation_type: 'NO_HUMAN_LABELING',
    });
    const bad = await call(`${P}/detectors/${d.id}`, {
      method: 'PATCH',
      token: t.tokens.admin,
      ...json({ status: 'MAYBE' }),
    });
    expect(bad.status).toBe(400);
    const missing = await call(`${P}/detectors/det_000000000000000000000000000`, {
      method: 'PATCH',
      token: t.tokens.admin,
      ...json({ status: 'ON' }),
    });
    expect(missing.status).toBe(404);
  });

  it('deletes (204) with its image queries and their images', async () => {
    const d = await createDetector({ name: 'delete me', query: 'q?' });
    const iq = await submit(`detector_id=${d.id}`, tinyJpeg());
    const { imageKey } = await t.services.imageQueries.get(iq.json.id as string);
    expect(await t.deps.blobs.exists(imageKey)).toBe(true);
    const del = await call(`${P}/detectors/${d.id}`, { method: 'DELETE', token: t.tokens.admin });
    expect(del.status).toBe(204);
    expect((await call(`${P}/detectors/${d.id}`, { token: t.tokens.admin })).status).toBe(404);
    expect((await call(`${P}/image-queries/${iq.json.id}`, { token: t.tokens.admin })).status).toBe(404);
    expect(await t.deps.blobs.exists(imageKey)).toBe(false);
    expect((await call(`${P}/detectors/${d.id}`, { method: 'DELETE', token: t.tokens.admin })).status).toBe(
      404,
    );
  });
});

describe('image queries', () => {
  let det: { id: string };
  beforeAll(async () => {
    det = await createDetector({
      name: 'iq det',
      query: 'Is there a part?',
      confidence_threshold: 0.7,
      patience_time: 120,
    });
  });

  it('stores a submitted image as a full ImageQuery and queues it for review', async () => {
    const res = await submit(`detector_id=${det.id}`, tinyJpeg());
    expect(res.status).toBe(201);
    expect(specErrors('ImageQuery', res.json)).toEqual([]);
    expect(res.json).toMatchObject({
      type: 'image_query',
      detector_id: det.id,
      query: 'Is there a part?',
      result_type: 'binary_classification',
      result: null,
      confidence_threshold: 0.7,
      patience_time: 120,
      metadata: null,
      rois: null,
      text: null,
      done_processing: false,
    });
    const esc = await t.services.escalations.forImageQuery(res.json.id as string);
    expect(esc).toMatchObject({ state: 'QUEUED', reason: 'NO_MODEL' });
    expect(esc!.deadlineAt.getTime() - esc!.createdAt.getTime()).toBe(120_000);
  });

  it('detects the real format from the bytes whatever the content type says', async () => {
    for (const [bytes, mime] of [
      [tinyPng(), 'image/png'],
      [tinyWebp(), 'image/webp'],
      [tinyJpeg(), 'image/jpeg'],
    ] as const) {
      const res = await submit(`detector_id=${det.id}`, bytes, t.tokens.admin, 'image/jpeg');
      expect(res.status).toBe(201);
      const img = await fetch(`${t.url}${P}/image-queries/${res.json.id}/image`, {
        headers: { 'x-api-token': t.tokens.reviewer },
      });
      expect(img.status).toBe(200);
      expect(img.headers.get('content-type')).toBe(mime);
      expect(Buffer.from(await img.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  it('accepts every SDK query parameter', async () => {
    const metadata = encodeMetadata({
      camera: 'dock-1',
      edge_result: { confidence: 0.4 },
      reason: 'BELOW_THRESHOLD',
    });
    const q = new URLSearchParams({
      detector_id: det.id,
      patience_time: '12.5',
      confidence_threshold: '0.8',
      human_review: 'ALWAYS',
      want_async: 'True',
      inspection_id: 'insp-1',
      metadata,
      image_query_id: 'iq_customid',
    });
    const res = await submit(q.toString(), tinyJpeg());
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      id: 'iq_customid',
      patience_time: 12.5,
      confidence_threshold: 0.8,
      result: null,
      // The caller's keys only: the edge's escalation keys live in the escalation (below).
      metadata: { camera: 'dock-1' },
    });
    const esc = await t.services.escalations.forImageQuery('iq_customid');
    expect(esc).toMatchObject({ reason: 'BELOW_THRESHOLD', edgeResult: { confidence: 0.4 } });
    const stored = await t.services.imageQueries.get('iq_customid');
    expect(stored).toMatchObject({ humanReview: 'ALWAYS', inspectionId: 'insp-1' });
  });

  it('treats a resubmitted image_query_id as the same query (edge outbox retries), even concurrently', async () => {
    const id = 'iq_retry0000000000000000000001';
    const results = await Promise.all(
      Array.from({ length: 5 }, () => submit(`detector_id=${det.id}&image_query_id=${id}`, tinyJpeg())),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => String(r.json.id)))).toEqual(new Set([id]));
    const em = t.deps.orm.em.fork();
    expect(await em.count(ImageQuery, { id })).toBe(1);
    const files = (await listFiles((t.deps.blobs as LocalBlobStore).dir)).filter(
      (f) => f.includes(id) && !f.endsWith('.content-type'),
    );
    expect(files).toHaveLength(1);
    const img = await fetch(`${t.url}${P}/image-queries/${id}/image`, {
      headers: { 'x-api-token': t.tokens.admin },
    });
    expect(img.status).toBe(200);
    const other = await createDetector({ name: 'other det', query: 'q?' });
    const clash = await submit(`detector_id=${other.id}&image_query_id=${id}`, tinyJpeg());
    expect(clash.status).toBe(409);
  });

  it('rejects bad requests with 4xx {detail, code} and writes nothing', async () => {
    const blobDir = (t.deps.blobs as LocalBlobStore).dir;
    const before = {
      rows: await t.deps.orm.em.fork().count(ImageQuery, {}),
      files: (await listFiles(blobDir)).length,
    };
    const jpeg = tinyJpeg();
    const cases: [string, Buffer | string, string, number, string][] = [
      [`detector_id=${det.id}`, Buffer.from('definitely not an image'), 'image/jpeg', 400, 'NOT_AN_IMAGE'],
      [`detector_id=${det.id}`, jpeg.subarray(0, jpeg.length - 10), 'image/jpeg', 400, 'CORRUPT_IMAGE'],
      [`detector_id=${det.id}`, Buffer.alloc(0), 'image/jpeg', 400, 'EMPTY_BODY'],
      [`detector_id=det_000000000000000000000000000`, jpeg, 'image/jpeg', 404, 'DETECTOR_NOT_FOUND'],
      [``, jpeg, 'image/jpeg', 400, 'INVALID_PARAMETER'],
      [`detector_id=${det.id}&human_review=SOMETIMES`, jpeg, 'image/jpeg', 400, 'INVALID_PARAMETER'],
      [`detector_id=${det.id}&confidence_threshold=2`, jpeg, 'image/jpeg', 400, 'INVALID_PARAMETER'],
      [`detector_id=${det.id}&want_async=yes`, jpeg, 'image/jpeg', 400, 'INVALID_PARAMETER'],
      [`detector_id=${det.id}&image_query_id=bad-id`, jpeg, 'image/jpeg', 400, 'INVALID_PARAMETER'],
      [`detector_id=${det.id}&metadata=%%%`, jpeg, 'image/jpeg', 400, 'INVALID_PARAMETER'],
      [`detector_id=${det.id}&color=blue`, jpeg, 'image/jpeg', 400, 'UNKNOWN_PARAMETER'],
      [`detector_id=${det.id}`, jpeg, 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [
        `detector_id=${det.id}`,
        Buffer.alloc(10 * 1024 * 1024 + 1, 0xff),
        'image/jpeg',
        413,
        'PAYLOAD_TOO_LARGE',
      ],
    ];
    for (const [query, body, type, status, code] of cases) {
      const res = await submit(query, body, t.tokens.admin, type);
      expect(res.status, `${query} ${code}`).toBe(status);
      expect(res.json, `${query} ${code}`).toMatchObject({ code });
      expect(typeof res.json.detail).toBe('string');
    }
    expect(await t.deps.orm.em.fork().count(ImageQuery, {})).toBe(before.rows);
    expect((await listFiles(blobDir)).length).toBe(before.files);
  });

  it('gets one query (404 when unknown) and lists with a detector filter', async () => {
    const d2 = await createDetector({ name: 'list det', query: 'q?' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await submit(`detector_id=${d2.id}`, tinyJpeg())).json.id as string);
    const one = await call(`${P}/image-queries/${ids[0]}`, { token: t.tokens.hub });
    expect(one.status).toBe(200);
    expect(specErrors('ImageQuery', one.json)).toEqual([]);
    expect((await call(`${P}/image-queries/iq_nope`, { token: t.tokens.admin })).json.code).toBe(
      'IMAGE_QUERY_NOT_FOUND',
    );
    const list = await call(`${P}/image-queries?detector_id=${d2.id}&page=1&page_size=2`, {
      token: t.tokens.admin,
    });
    expect(list.status).toBe(200);
    expect(specErrors('PaginatedImageQueryList', list.json)).toEqual([]);
    expect(list.json.count).toBe(3);
    expect((list.json.results as { id: string }[]).map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect(list.json.next).toContain('page=2');
    const all = await call(`${P}/image-queries?page_size=1000`, { token: t.tokens.admin });
    expect(all.json.count).toBeGreaterThan(3);
  });

  it('does not queue human review for human_review=NEVER or NO_HUMAN_LABELING detectors', async () => {
    const never = await submit(`detector_id=${det.id}&human_review=NEVER`, tinyJpeg());
    expect(never.json.done_processing).toBe(true);
    expect(await t.services.escalations.forImageQuery(never.json.id as string)).toBeNull();
    const quiet = await createDetector({ name: 'quiet', query: 'q?', escalation_type: 'NO_HUMAN_LABELING' });
    const res = await submit(`detector_id=${quiet.id}`, tinyJpeg());
    expect(await t.services.escalations.forImageQuery(res.json.id as string)).toBeNull();
    const audit = await submit(
      `detector_id=${det.id}&metadata=${encodeMetadata({ is_edge_audit: true })}`,
      tinyJpeg(),
    );
    expect((await t.services.escalations.forImageQuery(audit.json.id as string))?.reason).toBe('AUDIT');
  });
});

describe('labels', () => {
  it('answers the query with source USER and confidence 1.0, returns a full LabelValue (201)', async () => {
    const det = await createDetector({ name: 'label det', query: 'Ok?' });
    const iq = await submit(`detector_id=${det.id}`, tinyJpeg());
    const res = await call(`${P}/labels`, {
      method: 'POST',
      token: t.tokens.reviewer,
      ...json({ label: 'PASS', image_query_id: iq.json.id, rois: null }),
    });
    expect(res.status).toBe(201);
    expect(specErrors('LabelValue', res.json)).toEqual([]);
    expect(res.json).toMatchObject({
      confidence: 1,
      class_name: 'PASS',
      annotations_requested: ['BINARY_CLASSIFICATION'],
      detector_id: null,
      source: 'USER',
      text: null,
    });
    const got = await call(`${P}/image-queries/${iq.json.id}`, { token: t.tokens.admin });
    expect(got.json.result).toEqual({
      confidence: 1,
      source: 'USER',
      from_edge: false,
      result_type: 'binary_classification',
      label: 'YES',
    });
    expect(got.json.done_processing).toBe(true);
    expect(specErrors('ImageQuery', got.json)).toEqual([]);
    expect((await t.services.escalations.forImageQuery(iq.json.id as string))?.state).toBe('LABELED');
  });

  it('fits labels to the mode: counts, classes, boxes with ROIs', async () => {
    const counting = await createDetector({
      name: 'count det',
      query: 'How many?',
      mode: 'COUNT',
      mode_configuration: { class_name: 'bolt', max_count: 5 },
    });
    const iq = await submit(`detector_id=${counting.id}`, tinyJpeg());
    const ok = await call(`${P}/labels`, {
      method: 'POST',
      token: t.tokens.admin,
      ...json({ label: '7', image_query_id: iq.json.id }),
    });
    expect(ok.status).toBe(201);
    const got = await call(`${P}/image-queries/${iq.json.id}`, { token: t.tokens.admin });
    expect(got.json.result).toMatchObject({
      result_type: 'counting',
      count: 5,
      greater_than_max: true,
      source: 'USER',
    });

    const boxes = await createDetector({
      name: 'box det',
      query: 'Where?',
      mode: 'BOUNDING_BOX',
      mode_configuration: { class_name: 'dent' },
    });
    const iq2 = await submit(`detector_id=${boxes.id}`, tinyJpeg());
    const rois = [{ label: 'dent', geometry: { left: 0.1, top: 0.2, right: 0.3, bottom: 0.6 } }];
    const labelled = await call(`${P}/labels`, {
      method: 'POST',
      token: t.tokens.admin,
      ...json({ label: 'BOUNDING_BOX', image_query_id: iq2.json.id, rois }),
    });
    expect(labelled.status).toBe(201);
    expect(labelled.json.annotations_requested).toEqual(['BOUNDING_BOXES']);
    const got2 = await call(`${P}/image-queries/${iq2.json.id}`, { token: t.tokens.admin });
    expect(got2.json.rois[0].geometry).toMatchObject({ x: 0.2, y: 0.4 });
    expect(got2.json.result).toMatchObject({ result_type: 'bounding_box', label: 'BOUNDING_BOX' });

    const bad = await call(`${P}/labels`, {
      method: 'POST',
      token: t.tokens.admin,
      ...json({ label: 'many', image_query_id: iq.json.id }),
    });
    expect(bad.status).toBe(400);
    const unknown = await call(`${P}/labels`, {
      method: 'POST',
      token: t.tokens.admin,
      ...json({ label: 'YES', image_query_id: 'iq_unknown' }),
    });
    expect(unknown.status).toBe(404);
    const malformed = await call(`${P}/labels`, {
      method: 'POST',
      token: t.tokens.admin,
      ...json({ label: 'YES', image_query_id: 'x' }),
    });
    expect(malformed.status).toBe(400);
  });
});

describe('fetch-model-urls', () => {
  it('returns nulls without a published model, then signed URLs of the published primary and OODD', async () => {
    const det = await createDetector({ name: 'model det', query: 'q?' });
    for (const path of [
      `/edge-api/v1/fetch-model-urls/${det.id}/`,
      `${P}/edge/fetch-model-urls/${det.id}/`,
    ]) {
      const none = await call(path, { token: t.tokens.hub });
      expect(none.status).toBe(200);
      // The spec types these ids/urls as plain strings; the ticket asks for nulls when nothing is published.
      expect(EdgeModelInfoSchema.safeParse(none.json).success).toBe(true);
      expect(none.json).toMatchObject({
        model_binary_id: null,
        model_binary_url: null,
        oodd_model_binary_url: null,
      });
    }
    const primaryBytes = Buffer.from('primary model v1');
    const m = t.services.models;
    const p1 = await m.create({
      detectorId: det.id,
      kind: 'primary',
      data: primaryBytes,
      metrics: { acc: 0.9 },
    });
    const o1 = await m.create({
      detectorId: det.id,
      kind: 'oodd',
      data: Buffer.from('oodd v1'),
      metrics: {},
    });
    const candidateOnly = await call(`/edge-api/v1/fetch-model-urls/${det.id}/`, { token: t.tokens.hub });
    expect(candidateOnly.json.model_binary_id).toBeNull();
    await m.publish(p1.id);
    await m.publish(o1.id);
    const info = await call(`/edge-api/v1/fetch-model-urls/${det.id}/`, { token: t.tokens.hub });
    expect(specErrors('EdgeModelInfo', info.json)).toEqual([]);
    expect(info.json).toMatchObject({
      model_binary_id: p1.id,
      oodd_model_binary_id: o1.id,
      minimal_compatible: false,
    });
    const body = Buffer.from(await (await fetch(String(info.json.model_binary_url))).arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(p1.sha256);
    expect(JSON.parse(String(info.json.predictor_metadata))).toMatchObject({
      primary: { version: 1, sha256: p1.sha256 },
    });
    const unknown = await call(`/edge-api/v1/fetch-model-urls/det_000000000000000000000000000/`, {
      token: t.tokens.hub,
    });
    expect(unknown.status).toBe(404);
  });
});

describe('ops routes', () => {
  it('serves health, ping and Prometheus metrics without a token; unknown routes 404 as problems', async () => {
    expect((await call('/health/live')).json).toEqual({ status: 'alive' });
    expect((await call('/health/ready')).json).toEqual({ status: 'ready' });
    expect((await call('/ping')).status).toBe(200);
    const metrics = await call('/metrics');
    expect(metrics.text).toContain('cloud_graph_http_request_duration_seconds_bucket');
    expect(metrics.text).toContain('cloud_graph_image_queries_total');
    const missing = await call('/device-api/v1/nope', { token: t.tokens.admin });
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('NOT_FOUND');
    const wrongMethod = await call(`${P}/me`, { method: 'DELETE', token: t.tokens.admin });
    expect(wrongMethod.status).toBe(405);
  });
});
