/**
 * The Groundlight routes added for parity (ticket #20), on the real server and PostgreSQL, every shape checked
 * against the OpenAPI fixture: detector delete and reset, metrics, notes, detector groups, month-to-date
 * account info, edge metric reports, and the priming-group refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, gql, startCloudForTests, type TestCloud } from './support/test-cloud';
import { tinyJpeg } from './support/images';
import { responseSpecErrors, specErrors } from './helpers/openapi';

let t: TestCloud;
let call: ReturnType<typeof api>;
let graphql: ReturnType<typeof gql>;
const P = '/device-api/v1';

beforeAll(async () => {
  t = await startCloudForTests();
  call = api(t.url);
  graphql = gql(t.url);
});
afterAll(async () => {
  await t?.close();
});

const json = (body: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

let detectorCount = 0;
async function createDetector(extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call(`${P}/detectors`, {
    method: 'POST',
    token: t.tokens.admin,
    ...json({ name: `parity-${++detectorCount}`, query: 'Is it there?', ...extra }),
  });
  expect(res.status, res.text).toBe(201);
  return (res.json as { id: string }).id;
}

async function submit(detectorId: string): Promise<string> {
  const res = await call(`${P}/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    token: t.tokens.hub,
    headers: { 'content-type': 'image/jpeg' },
    body: tinyJpeg(),
  });
  expect(res.status, res.text).toBe(201);
  return (res.json as { id: string }).id;
}

async function label(iqId: string, value: string): Promise<void> {
  const res = await call(`${P}/labels`, {
    method: 'POST',
    token: t.tokens.reviewer,
    ...json({ image_query_id: iqId, label: value }),
  });
  expect(res.status, res.text).toBe(201);
}

/** Every key the spec lists for an inline response object is present (the spec marks none required). */
function expectKeys(body: unknown, keys: string[]): void {
  expect(Object.keys(body as object).sort()).toEqual([...keys].sort());
}

describe('POST /detectors with a priming group', () => {
  it('refuses an unknown priming group id as a 400 naming the field', async () => {
    const res = await call(`${P}/detectors`, {
      method: 'POST',
      token: t.tokens.admin,
      ...json({ name: 'primed', query: 'Q?', priming_group_id: 'prgrp_nope' }),
    });
    expect(res.status).toBe(400);
    expect(res.json.detail).toMatch(/priming_group_id/);
    // Nothing was created.
    const list = await call(`${P}/detectors?name=primed`, { token: t.tokens.admin });
    expect(list.json.count).toBe(0);
  });
});

describe('/detectors/{id}/metrics', () => {
  it('counts image queries and the human labels per class (the latest label of each query), in the spec shape', async () => {
    const id = await createDetector();
    const iqs = [await submit(id), await submit(id), await submit(id)];
    await label(iqs[0]!, 'YES');
    await label(iqs[1]!, 'NO');
    await label(iqs[1]!, 'YES'); // a relabel: the latest label is the ground truth

    const res = await call(`${P}/detectors/${id}/metrics`, { token: t.tokens.reviewer });
    expect(res.status).toBe(200);
    expect(responseSpecErrors('/v1/detectors/{detector_id}/metrics', 'get', 200, res.json)).toEqual([]);
    // The check bites: a wrong type fails it.
    expect(
      responseSpecErrors('/v1/detectors/{detector_id}/metrics', 'get', 200, { summary: { total_iqs: 'x' } }),
    ).not.toEqual([]);
    const summary = res.json.summary;
    expectKeys(summary, [
      'num_ground_truth',
      'num_current_source_human',
      'class_counts',
      'unconfident_counts',
      'total_iqs',
    ]);
    expectKeys(summary.class_counts, ['source_ml', 'source_human', 'cloud_labeler', 'cloud', 'total']);
    expect(summary.total_iqs).toBe(3);
    expect(summary.num_ground_truth).toBe(2);
    expect(summary.num_current_source_human).toBe(2);
    expect(summary.class_counts.cloud_labeler).toEqual({ YES: 2 });
    expect(summary.class_counts.source_human).toEqual({ YES: 2 });
  });

  it('is a 404 for an unknown detector and a 401 without a token', async () => {
    expect((await call(`${P}/detectors/det_nope/metrics`, { token: t.tokens.admin })).status).toBe(404);
    expect((await call(`${P}/detectors/det_nope/metrics`)).status).toBe(401);
  });
});

describe('/detectors/{id}/evaluation', () => {
  it('is null while no trained model is published, in the spec shape', async () => {
    const id = await createDetector();
    const res = await call(`/v1/detectors/${id}/evaluation`, { token: t.tokens.admin });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ evaluation_results: null });
    expect(responseSpecErrors('/v1/detectors/{id}/evaluation', 'get', 200, res.json)).toEqual([]);
  });
});

describe('DELETE /detector-reset/{id}', () => {
  it('drops the image queries and their labels; the detector and its notes stay', async () => {
    const id = await createDetector();
    const iq = await submit(id);
    await label(iq, 'YES');
    await call(`${P}/notes?detector_id=${id}`, {
      method: 'POST',
      token: t.tokens.admin,
      ...json({ content: 'keep' }),
    });

    expect(
      (await call(`${P}/detector-reset/${id}`, { method: 'DELETE', token: t.tokens.reviewer })).status,
    ).toBe(403);
    expect((await call(`${P}/detector-reset/${id}`, { method: 'DELETE' })).status).toBe(401);
    const reset = await call(`${P}/detector-reset/${id}`, { method: 'DELETE', token: t.tokens.admin });
    expect(reset.status).toBe(204);

    expect((await call(`${P}/image-queries/${iq}`, { token: t.tokens.admin })).status).toBe(404);
    expect((await call(`${P}/detectors/${id}`, { token: t.tokens.admin })).status).toBe(200);
    const metrics = await call(`${P}/detectors/${id}/metrics`, { token: t.tokens.admin });
    expect(metrics.json.summary).toMatchObject({ total_iqs: 0, num_ground_truth: 0 });
    const notes = await call(`${P}/notes?detector_id=${id}`, { token: t.tokens.admin });
    expect(notes.json.CUSTOMER).toHaveLength(1);
  });

  it('is a 404 for an unknown detector', async () => {
    const res = await call(`${P}/detector-reset/det_nope`, { method: 'DELETE', token: t.tokens.admin });
    expect(res.status).toBe(404);
    expect(res.json.detail).toMatch(/det_nope/);
  });
});

describe('DELETE /detectors/{id}', () => {
  it('after it the detector answers 404 on REST, null in GraphQL, 404 on fetch-model-urls', async () => {
    const id = await createDetector();
    await submit(id);
    expect((await call(`${P}/detectors/${id}`, { method: 'DELETE', token: t.tokens.reviewer })).status).toBe(
      403,
    );
    expect((await call(`${P}/detectors/${id}`, { method: 'DELETE', token: t.tokens.admin })).status).toBe(
      204,
    );

    for (const path of [
      `${P}/detectors/${id}`,
      `/v1/detectors/${id}/metrics`,
      `/v1/detectors/${id}/evaluation`,
      `/v1/notes?detector_id=${id}`,
      `/edge-api/v1/fetch-model-urls/${id}/`,
    ]) {
      expect((await call(path, { token: t.tokens.hub })).status, path).toBe(404);
    }
    expect((await call(`${P}/detectors/${id}`, { method: 'DELETE', token: t.tokens.admin })).status).toBe(
      404,
    );
    const g = await graphql(
      `
        query ($id: ID!) {
          detector(id: $id) {
            id
          }
        }
      `,
      { id },
    );
    expect(g.body.data.detector).toBeNull();
    const list = await call(`${P}/detectors?page_size=1000`, { token: t.tokens.admin });
    expect((list.json.results as { id: string }[]).map((d) => d.id)).not.toContain(id);
  });
});

describe('/notes', () => {
  it('takes JSON, form-encoded and multipart notes and lists them by category, pinned first', async () => {
    const id = await createDetector();
    const post = (body: string, type: string) =>
      call(`/v1/notes?detector_id=${id}`, {
        method: 'POST',
        token: t.tokens.reviewer,
        headers: { 'content-type': type },
        body,
      });
    expect((await post(JSON.stringify({ content: 'first' }), 'application/json')).status).toBe(204);
    expect(
      (await post('content=pinned+one&is_pinned=True', 'application/x-www-form-urlencoded')).status,
    ).toBe(204);
    const boundary = 'XyZ123';
    const multipart = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="content"',
      '',
      'from multipart ✓',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    expect((await post(multipart, `multipart/form-data; boundary=${boundary}`)).status).toBe(204);

    const res = await call(`/v1/notes?detector_id=${id}`, { token: t.tokens.hub });
    expect(res.status).toBe(200);
    expect(specErrors('AllNotes', res.json)).toEqual([]);
    expect(res.json).toEqual({
      CUSTOMER: [
        { detector_id: id, content: 'pinned one', is_pinned: true },
        { detector_id: id, content: 'first', is_pinned: null },
        { detector_id: id, content: 'from multipart ✓', is_pinned: null },
      ],
      GL: [],
    });

    // Reviewers see them in GraphQL, on the detector of each queued query.
    const g = await graphql(
      `
        query ($id: ID!) {
          detector(id: $id) {
            notes {
              content
              isPinned
              category
            }
          }
        }
      `,
      {
        id,
      },
    );
    const notes = g.body.data.detector.notes as { content: string }[];
    expect(notes.map((n) => n.content)).toEqual(['pinned one', 'first', 'from multipart ✓']);
    // …and in the review queue, on each queued escalation's detector.
    await submit(id);
    const queue = await graphql(
      `
        {
          reviewQueue(first: 100) {
            edges {
              node {
                detector {
                  id
                  notes {
                    content
                  }
                }
              }
            }
          }
        }
      `,
      {},
      t.tokens.reviewer,
    );
    expect(queue.body.errors).toBeUndefined();
    const mine = (
      queue.body.data.reviewQueue.edges as {
        node: { detector: { id: string; notes: { content: string }[] } };
      }[]
    ).find((e) => e.node.detector.id === id);
    expect(mine?.node.detector.notes.map((n) => n.content)).toEqual([
      'pinned one',
      'first',
      'from multipart ✓',
    ]);
    const q = await graphql(
      `
        query ($id: ID!) {
          notes(detectorId: $id) {
            detectorId
          }
        }
      `,
      { id },
      t.tokens.reviewer,
    );
    expect(q.body.data.notes).toHaveLength(3);
  });

  it('refuses a note with a file (not kept), a missing detector_id, unknown detectors, hubs and bad bodies', async () => {
    const id = await createDetector();
    const boundary = 'b0undary';
    const withFile = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="content"',
      '',
      'look',
      `--${boundary}`,
      'Content-Disposition: form-data; name="image"; filename="a.jpg"',
      'Content-Type: image/jpeg',
      '',
      'JPEGDATA',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const cases: [string, Parameters<typeof call>[1], number][] = [
      [
        `/v1/notes?detector_id=${id}`,
        {
          method: 'POST',
          token: t.tokens.admin,
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
          body: withFile,
        },
        415,
      ],
      ['/v1/notes', { method: 'POST', token: t.tokens.admin, ...json({ content: 'x' }) }, 400],
      ['/v1/notes', { token: t.tokens.admin }, 400],
      [
        '/v1/notes?detector_id=det_nope',
        { method: 'POST', token: t.tokens.admin, ...json({ content: 'x' }) },
        404,
      ],
      ['/v1/notes?detector_id=det_nope', { token: t.tokens.admin }, 404],
      [
        `/v1/notes?detector_id=${id}`,
        { method: 'POST', token: t.tokens.hub, ...json({ content: 'x' }) },
        403,
      ],
      [
        `/v1/notes?detector_id=${id}`,
        { method: 'POST', token: t.tokens.admin, ...json({ content: 5 }) },
        400,
      ],
      [`/v1/notes?detector_id=${id}`, { method: 'POST', token: t.tokens.admin, ...json([1]) }, 400],
      [`/v1/notes?detector_id=${id}`, { method: 'POST', ...json({ content: 'x' }) }, 401],
      [
        `/v1/notes?detector_id=${id}`,
        { method: 'POST', token: t.tokens.admin, headers: { 'content-type': 'text/plain' }, body: 'x' },
        415,
      ],
    ];
    for (const [path, init, status] of cases) {
      const res = await call(path, init);
      expect(res.status, `${init?.method ?? 'GET'} ${path}: ${res.text}`).toBe(status);
      expect(typeof res.json.detail).toBe('string');
    }
    expect((await call(`/v1/notes?detector_id=${id}`, { token: t.tokens.admin })).json.CUSTOMER).toEqual([]);
  });
});

describe('/detector-groups', () => {
  it('creates groups (admins), refuses duplicates, and lists those detectors name too', async () => {
    const created = await call(`${P}/detector-groups`, {
      method: 'POST',
      token: t.tokens.admin,
      ...json({ name: 'line 4' }),
    });
    expect(created.status).toBe(201);
    expect(specErrors('DetectorGroup', created.json)).toEqual([]);
    expect(created.json).toMatchObject({ name: 'line 4', id: expect.stringMatching(/^dgp_/) as unknown });

    const dup = await call(`${P}/detector-groups`, {
      method: 'POST',
      token: t.tokens.admin,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=line+4',
    });
    expect(dup.status).toBe(409);
    for (const [body, token, status] of [
      [{ name: '' }, t.tokens.admin, 400],
      [{ name: 'x'.repeat(101) }, t.tokens.admin, 400],
      [{}, t.tokens.admin, 400],
      [{ name: 'by reviewer' }, t.tokens.reviewer, 403],
      [{ name: 'by hub' }, t.tokens.hub, 403],
    ] as const) {
      expect((await call(`${P}/detector-groups`, { method: 'POST', token, ...json(body) })).status).toBe(
        status,
      );
    }

    await createDetector({ group_name: 'packing' });
    // A detector from before groups were rows (written around the service): its group is listed too.
    await t.deps.orm.em
      .fork()
      .getConnection()
      .execute(
        `insert into "detectors" ("id", "name", "query", "group_name", "mode", "confidence_threshold", "patience_time", "status", "escalation_type", "created_at", "updated_at")
         values ('det_legacy', 'legacy', 'Q?', 'legacy group', 'BINARY', 0.9, 30, 'ON', 'STANDARD', now(), now())`,
      );
    const list = await call(`/v1/detector-groups`, { token: t.tokens.hub });
    expect(list.status).toBe(200);
    expect(responseSpecErrors('/v1/detector-groups', 'get', 200, list.json)).toEqual([]);
    const names = (list.json as { name: string }[]).map((g) => g.name);
    expect(names).toEqual(expect.arrayContaining(['line 4', 'packing', 'default', 'legacy group']));
    expect(new Set(names).size).toBe(names.length);
    expect((await call(`/v1/detector-groups`)).status).toBe(401);
  });
});

describe('/month-to-date-account-info', () => {
  it("counts this month's image queries, escalations and active detectors (no limits)", async () => {
    const before = await call(`${P}/month-to-date-account-info`, { token: t.tokens.admin });
    expect(before.status).toBe(200);
    expect(specErrors('AccountMonthToDateInfo', before.json)).toEqual([]);
    const id = await createDetector();
    await submit(id);
    await submit(id);
    const after = await call(`/v1/month-to-date-account-info`, { token: t.tokens.reviewer });
    expect(after.json).toEqual({
      iqs: before.json.iqs + 2,
      escalations: before.json.escalations + 2, // no model: both go to the review queue
      active_detectors: before.json.active_detectors + 1,
      iqs_limit: null,
      escalations_limit: null,
      active_detectors_limit: null,
    });
    expect((await call(`/v1/month-to-date-account-info`, { token: t.tokens.hub })).status).toBe(403);
    expect((await call(`/v1/month-to-date-account-info`)).status).toBe(401);
  });
});

describe('POST /edge/report-metrics', () => {
  it('keeps what the edge reports, as sent, and answers an empty 200', async () => {
    const report = { device_info: { cpu: 0.5 }, detectors: { det_x: { p50_ms: 12 } } };
    const res = await call(`${P}/edge/report-metrics`, {
      method: 'POST',
      token: t.tokens.hub,
      ...json(report),
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    const [stored] = await t.services.edgeMetrics.latest(t.hubId, 1);
    expect(stored?.body).toEqual(report);

    expect((await call(`/v1/edge/report-metrics`, { method: 'POST', ...json(report) })).status).toBe(401);
    expect(
      (await call(`/v1/edge/report-metrics`, { method: 'POST', token: t.tokens.reviewer, ...json(report) }))
        .status,
    ).toBe(403);
    const bad = await call(`/v1/edge/report-metrics`, {
      method: 'POST',
      token: t.tokens.hub,
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    expect(await t.services.edgeMetrics.latest(t.hubId, 10)).toHaveLength(1);
  });
});
