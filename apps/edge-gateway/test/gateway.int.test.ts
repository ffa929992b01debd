/**
 * The gateway for real (HTTP, SQLite state, outbox) against real HTTP stand-ins for the cloud and inference
 * (they count what arrives and inject failures a real service cannot produce on demand).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageQuerySchema, PaginatedDetectorListSchema, encodeMetadata, newId } from '@intellioptics/schema';
import { FakeCloud, detector } from './support/fake-cloud';
import { FakeInference } from './support/fake-inference';
import { hugePngHeader, png } from './support/images';
import { outboxRows, startGateway, waitFor, type Harness } from './support/harness';

const TOKEN = 'edgeTOKEN_abcdefghijklmnop';
const USER_TOKEN = 'userTOKEN_abcdefghijklmnop';
const METRICS_TOKEN = 'metricsTOKEN_abcdefghijklmnop';
const DET_DEFAULT = newId('detector');
const DET_ESC = newId('detector');
const DET_NO_CLOUD = newId('detector');
const DET_NO_MODEL_NC = newId('detector');
const DET_UNKNOWN = newId('detector');

const cloud = new FakeCloud();
const inference = new FakeInference();
let h: Harness;
const image = png(32, 24, (x, y) => [x * 8, y * 8, 100]);

function post(query: Record<string, string>, body: Buffer = image, headers: Record<string, string> = {}) {
  return fetch(`${h.url}/device-api/v1/image-queries?${new URLSearchParams(query).toString()}`, {
    method: 'POST',
    headers: { 'x-api-token': USER_TOKEN, 'content-type': 'image/jpeg', ...headers },
    body: new Uint8Array(body),
  });
}

beforeAll(async () => {
  cloud.validTokens.add(TOKEN).add(USER_TOKEN);
  for (const id of [DET_DEFAULT, DET_ESC, DET_NO_CLOUD, DET_NO_MODEL_NC])
    cloud.detectors.set(id, detector(id));
  await cloud.start();
  await inference.start();
  inference.setConfident(DET_DEFAULT, 0, 0.97);
  inference.setConfident(DET_ESC, 1, 0.6);
  inference.setConfident(DET_NO_CLOUD, 1, 0.6);
  h = await startGateway({
    cloudUrl: cloud.url,
    inferenceUrl: inference.url,
    token: TOKEN,
    env: { METRICS_TOKEN },
    configYaml: [
      'global_config: { refresh_rate: 60, confident_audit_rate: 0 }',
      'detectors:',
      `  - { detector_id: ${DET_ESC}, edge_inference_config: edge_answers_with_escalation }`,
      `  - { detector_id: ${DET_NO_CLOUD}, edge_inference_config: no_cloud }`,
      `  - { detector_id: ${DET_NO_MODEL_NC}, edge_inference_config: no_cloud }`,
    ].join('\n'),
  });
});

afterAll(async () => {
  await h?.gateway.close();
  await cloud.stop();
  await inference.stop();
});

describe('POST /device-api/v1/image-queries', () => {
  it('answers a confident query at the edge with every required key', async () => {
    const res = await post({ detector_id: DET_DEFAULT });
    expect(res.status).toBe(200);
    const iq = ImageQuerySchema.parse(await res.json());
    expect(iq.result).toMatchObject({
      label: 'YES',
      source: 'ALGORITHM',
      from_edge: true,
      result_type: 'binary_classification',
    });
    expect(iq.result?.confidence).toBeCloseTo(0.97, 5);
    expect(iq.done_processing).toBe(true);
    // The caller's metadata is the caller's; the decision comes in IntelliOptics' own headers.
    expect(iq.metadata).toEqual({ is_from_edge: true });
    expect(res.headers.get('x-intellioptics-reason')).toBe('CONFIDENT');
    const edgeResult = JSON.parse(res.headers.get('x-intellioptics-edge-result')!) as Record<string, number>;
    expect(edgeResult.raw_primary_confidence).toBeCloseTo(0.97, 5);
    expect(iq.id).toMatch(/^iq_[A-Za-z0-9]{27}$/);

    const got = await fetch(`${h.url}/device-api/v1/image-queries/${iq.id}`, {
      headers: { 'x-api-token': USER_TOKEN },
    });
    expect(got.status).toBe(200);
    expect(ImageQuerySchema.parse(await got.json())).toEqual(iq);
    const img = await fetch(`${h.url}/v1/image-queries/${iq.id}/image`, {
      headers: { 'x-api-token': USER_TOKEN },
    });
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await img.arrayBuffer()).equals(image)).toBe(true);
  });

  it('escalates an unconfident default query synchronously and then shows the human answer', async () => {
    inference.setConfident(DET_DEFAULT, 1, 0.55);
    try {
      const meta = encodeMetadata({ camera: 'north' });
      const res = await post({ detector_id: DET_DEFAULT, metadata: meta, patience_time: '12.5' });
      expect(res.status).toBe(200);
      const iq = ImageQuerySchema.parse(await res.json());
      const sent = cloud.received.find((r) => r.params.image_query_id === iq.id);
      expect(sent).toBeDefined();
      expect(sent!.params.want_async).toBeUndefined();
      expect(sent!.token).toBe(TOKEN);
      const sentMeta = JSON.parse(Buffer.from(sent!.params.metadata!, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      expect(sentMeta).toMatchObject({ camera: 'north', reason: 'BELOW_THRESHOLD' });
      expect(sent!.bytes).toBe(image.length);
      // The edge's explanation travelled beside the image: it says why it escalated.
      expect(sent!.explanation?.steps.at(-1)).toMatchObject({
        kind: 'decision',
        data: { reason: 'BELOW_THRESHOLD', escalated: true },
      });

      cloud.label(iq.id, 'NO');
      const answered = await waitFor(
        async () => {
          const r = await fetch(`${h.url}/device-api/v1/image-queries/${iq.id}`, {
            headers: { 'x-api-token': USER_TOKEN },
          });
          const body = ImageQuerySchema.parse(await r.json());
          return body.result?.source === 'USER' ? body : null;
        },
        5000,
        'the human answer at the edge',
      );
      expect(answered.result).toMatchObject({ label: 'NO', confidence: 1 });
    } finally {
      inference.setConfident(DET_DEFAULT, 0, 0.97);
    }
  });

  it('never sends a no_cloud detector to the cloud and marks its 503 edge-only', async () => {
    const before = cloud.received.length;
    const res = await post({ detector_id: DET_NO_CLOUD });
    const iq = ImageQuerySchema.parse(await res.json());
    expect(res.headers.get('x-intellioptics-reason')).toBe('EDGE_ONLY');
    expect(iq.done_processing).toBe(true);
    const noModel = await post({ detector_id: DET_NO_MODEL_NC });
    expect(noModel.status).toBe(503);
    expect(noModel.headers.get('x-io-edge-only')).toBe('1');
    const problem = (await noModel.json()) as { detail: string };
    expect(problem).toHaveProperty('detail');
    // nginx drops an intercepted body, so the same problem travels in a header it can return.
    expect(JSON.parse(noModel.headers.get('x-io-edge-only-body') ?? 'null')).toEqual(problem);
    // Nothing was sent during the requests, and nothing is queued to be sent later.
    expect(cloud.received.length).toBe(before);
    expect(await outboxRows(h.gateway, [iq.id])).toBe(0);
  });

  it('keeps answering while the cloud is down and delivers every queued escalation once when it returns', async () => {
    const port = cloud.port;
    await cloud.stop();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post({ detector_id: DET_ESC });
      expect(res.status).toBe(200);
      const iq = ImageQuerySchema.parse(await res.json());
      expect(iq.result?.from_edge).toBe(true);
      ids.push(iq.id);
      await new Promise((r) => setTimeout(r, 2100)); // the preset's 2 s escalation cooldown
    }
    expect(h.gateway.store.pendingOutboxCount()).toBeGreaterThanOrEqual(5);
    await cloud.start(port);
    await waitFor(() => ids.every((id) => cloud.iqs.has(id)), 15_000, 'queued escalations to arrive');
    await waitFor(() => h.gateway.store.pendingOutboxCount() === 0, 5000, 'an empty outbox');
    for (const id of ids) {
      expect(cloud.received.filter((r) => r.params.image_query_id === id)).toHaveLength(1);
      expect(cloud.received.find((r) => r.params.image_query_id === id)!.params.want_async).toBe('True');
    }
  }, 60_000);

  it.each([
    ['wrong content type', { detector_id: DET_DEFAULT }, image, { 'content-type': 'text/plain' }, 415],
    ['zero bytes', { detector_id: DET_DEFAULT }, Buffer.alloc(0), {}, 400],
    ['a truncated image', { detector_id: DET_DEFAULT }, image.subarray(0, image.length - 20), {}, 400],
    ['not an image', { detector_id: DET_DEFAULT }, Buffer.from('hello world, not an image'), {}, 415],
    ['a 50 MP image', { detector_id: DET_DEFAULT }, hugePngHeader(10_000, 5_000), {}, 413],
    ['an unknown detector', { detector_id: DET_UNKNOWN }, image, {}, 404],
    ['a bad human_review', { detector_id: DET_DEFAULT, human_review: 'SOMETIMES' }, image, {}, 400],
    ['a bad metadata', { detector_id: DET_DEFAULT, metadata: '!!!' }, image, {}, 400],
    ['a threshold above 1', { detector_id: DET_DEFAULT, confidence_threshold: '1.5' }, image, {}, 400],
    ['no token', { detector_id: DET_DEFAULT }, image, { 'x-api-token': '' }, 401],
    [
      'a token the cloud refuses',
      { detector_id: DET_DEFAULT },
      image,
      { 'x-api-token': 'nope_nope_nope_nope_nope' },
      401,
    ],
  ] as const)(
    'refuses %s with the documented 4xx and {"detail"}',
    async (_what, query, body, headers, status) => {
      const res = await post(query, body, headers);
      expect(res.status).toBe(status);
      const json = (await res.json()) as { detail: unknown };
      expect(typeof json.detail).toBe('string');
    },
  );

  it('refuses a body over 10 MB with 413', async () => {
    const res = await post({ detector_id: DET_DEFAULT }, Buffer.alloc(10 * 1024 * 1024 + 10, 0xff)).catch(
      () => null,
    );
    // The server may close the connection right after answering; either way it never accepted the body.
    if (res) expect(res.status).toBe(413);
  });

  it('accepts image_query_id, want_async=True and metadata (the reference edge answered 400)', async () => {
    const id = `iq_${'A'.repeat(27)}`;
    const res = await post({
      detector_id: DET_DEFAULT,
      image_query_id: id,
      want_async: 'True',
      metadata: encodeMetadata({ a: 1 }),
    });
    expect(res.status).toBe(200);
    const iq = ImageQuerySchema.parse(await res.json());
    expect(iq.id).toBe(id);
    // An async answer still has a result object: the detector's chance-level prior until the cloud answers.
    expect(iq.result).toMatchObject({ label: 'UNCLEAR', confidence: 0.5, source: 'ALGORITHM' });
    expect(iq.metadata).toEqual({ a: 1 });
    expect(res.headers.get('x-intellioptics-reason')).toBe('WANT_ASYNC');
    await waitFor(() => cloud.iqs.has(id), 5000, 'the async escalation');
    const again = await post({ detector_id: DET_DEFAULT, image_query_id: id });
    expect(again.status).toBe(409);
  });
});

describe('edge routes', () => {
  it('lists detectors from the cache with the paginated envelope and the name filter', async () => {
    await h.gateway.detectors.refreshAll();
    const res = await fetch(`${h.url}/device-api/v1/detectors?page_size=2`, {
      headers: { 'x-api-token': USER_TOKEN },
    });
    const page = PaginatedDetectorListSchema.parse(await res.json());
    expect(page.count).toBe(4);
    expect(page.results).toHaveLength(2);
    expect(page.next).toContain('page=2');
    const name = cloud.detectors.get(DET_ESC)!.name;
    const byName = await fetch(`${h.url}/v1/detectors?name=${encodeURIComponent(name)}`, {
      headers: { 'x-api-token': USER_TOKEN },
    });
    const found = PaginatedDetectorListSchema.parse(await byName.json());
    expect(found.results.map((d) => d.id)).toEqual([DET_ESC]);
  });

  it('serves the edge subgraph (and /graphql falls back to it when the cloud schema is unknown)', async () => {
    for (const path of ['/graphql/edge', '/graphql']) {
      const res = await fetch(`${h.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-token': USER_TOKEN },
        body: JSON.stringify({
          query: '{ edgeStatus { configOk outboxPending } edgeDetectors { id edgeReady } }',
        }),
      });
      const body = (await res.json()) as {
        data: { edgeStatus: { configOk: boolean }; edgeDetectors: { id: string }[] };
      };
      expect(body.data.edgeStatus.configOk).toBe(true);
      expect(body.data.edgeDetectors.map((d) => d.id)).toContain(DET_ESC);
    }
  });

  it('answers ping, health and metrics', async () => {
    expect(await (await fetch(`${h.url}/ping`)).json()).toEqual({ message: 'Hello!' });
    expect((await fetch(`${h.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${h.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
    const metrics = await (
      await fetch(`${h.url}/metrics`, { headers: { 'x-api-token': USER_TOKEN } })
    ).text();
    expect(metrics).toMatch(
      new RegExp(`edge_image_queries_total\\{detector_id="${DET_DEFAULT}",reason="CONFIDENT"\\} [1-9]`),
    );
    expect(metrics).toContain('edge_outbox_depth');
    expect(metrics).toContain('edge_answer_latency_seconds_bucket');
    // Routes the edge does not serve are the cloud's (rest/cloud-forward.ts); the cloud answers them.
    expect((await fetch(`${h.url}/nope`)).headers.get('x-io-served-by')).toBe('cloud');
    const put = await fetch(`${h.url}/device-api/v1/image-queries`, { method: 'PUT' });
    expect(put.headers.get('x-io-served-by')).toBe('cloud');
  });

  it('answers only health routes without a token', async () => {
    for (const path of ['/health', '/health/live', '/health/ready', '/ping']) {
      expect((await fetch(`${h.url}${path}`)).status, path).toBe(200);
    }
    for (const path of ['/edge-config', '/edge-detector-readiness', '/metrics', '/status/resources.json']) {
      const anonymous = await fetch(`${h.url}${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(((await anonymous.json()) as { detail: string }).detail, path).toMatch(/token/);
      expect(
        (await fetch(`${h.url}${path}`, { headers: { 'x-api-token': 'nope_nope_nope_nope_nope' } })).status,
      ).toBe(401);
    }
    // A scraper may send METRICS_TOKEN as a bearer (Prometheus' `authorization`), for /metrics only.
    const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });
    const scraped = await fetch(`${h.url}/metrics`, bearer(METRICS_TOKEN));
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('edge_outbox_depth');
    expect((await fetch(`${h.url}/metrics`, bearer(`${METRICS_TOKEN}x`))).status).toBe(401);
    expect((await fetch(`${h.url}/edge-config`, bearer(METRICS_TOKEN))).status).toBe(401);
  });

  it('validates PUT /edge-config, persists a good one and reports readiness', async () => {
    const bad = await fetch(`${h.url}/edge-config`, {
      method: 'PUT',
      headers: { 'x-api-token': USER_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ detectors: [{ detector_id: 'det_bad', edge_inference_config: 'nope' }] }),
    });
    expect(bad.status).toBe(422);
    const problem = (await bad.json()) as { detail: string; errors: { path: string }[] };
    expect(problem.detail).toContain('detectors[0].detector_id');
    expect(problem.errors.map((e) => e.path)).toContain('detectors[0].detector_id');

    // An unknown key (a newer tool's) is accepted: kept in the file, ignored by the active config.
    const config = {
      global_config: { refresh_rate: 30, confident_audit_rate: 0, future_option: 1 },
      detectors: [{ detector_id: DET_ESC, edge_inference_config: 'no_cloud' }],
    };
    const ok = await fetch(`${h.url}/edge-config`, {
      method: 'PUT',
      headers: { 'x-api-token': USER_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify(config),
    });
    expect(ok.status).toBe(200);
    const text = readFileSync(join(h.ioHome, 'config', 'edge-config.yaml'), 'utf8');
    expect(text).toContain(DET_ESC);
    expect(text).toContain('refresh_rate: 30');
    expect(text).toContain('future_option: 1');
    const asUser = { headers: { 'x-api-token': USER_TOKEN } };
    const got = (await (await fetch(`${h.url}/edge-config`, asUser)).json()) as {
      detectors: { detector_id: string }[];
    };
    expect(got.detectors.map((d) => d.detector_id)).toEqual([DET_ESC]);
    expect(JSON.stringify(got)).not.toContain('future_option');
    const ready = (await (await fetch(`${h.url}/edge-detector-readiness`, asUser)).json()) as Record<
      string,
      { ready: boolean }
    >;
    expect(ready).toEqual({ [DET_ESC]: { ready: false } });
  });
});
