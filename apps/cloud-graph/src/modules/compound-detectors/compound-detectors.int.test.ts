/**
 * Compound detectors on a real cloud (PostgreSQL): `POST /device-api/v1/compound-detectors` stores the rule
 * on a BINARY detector that every read path carries; bad rules are 400s with the node's path, rules naming
 * missing / unfit / compound detectors are 422s; admins only; GraphQL createCompoundDetector and Detector.rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyJpeg } from '../../../test/support/images';
import { api, gql, startCloudForTests, type TestCloud } from '../../../test/support/test-cloud';

let t: TestCloud;
let call: ReturnType<typeof api>;
let person: string;
let helmet: string;

const post = (path: string, body: unknown, token = t.tokens.admin) =>
  call(path, {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function newDetector(body: Record<string, unknown>): Promise<string> {
  const res = await post('/v1/detectors', body);
  expect(res.status).toBe(201);
  return res.json.id as string;
}

const MISSING = 'det_000000000000000000000000000';

beforeAll(async () => {
  t = await startCloudForTests();
  call = api(t.url);
  person = await newDetector({
    name: 'compound person',
    query: 'How many people?',
    mode: 'COUNT',
    mode_configuration: { class_name: 'person', max_count: 10 },
  });
  helmet = await newDetector({ name: 'compound helmet', query: 'Is there a helmet?' });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const violation = () => ({
  all: [{ detector: person, count: { gte: 1 } }, { not: { detector: helmet, label: 'YES' } }],
});

describe('POST /device-api/v1/compound-detectors', () => {
  it('creates a BINARY detector with its rule, read back by REST', async () => {
    const res = await post('/device-api/v1/compound-detectors', {
      name: 'no helmet',
      query: 'Is someone without a helmet?',
      rule: violation(),
      confidence_threshold: 0.8,
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      type: 'detector',
      mode: 'BINARY',
      confidence_threshold: 0.8,
      rule: violation(),
    });
    const read = await call(`/v1/detectors/${res.json.id as string}`, { token: t.tokens.hub });
    expect(read.json.rule).toEqual(violation());
    // Ordinary detectors keep the Groundlight shape exactly (no rule key).
    const plain = await call(`/v1/detectors/${helmet}`, { token: t.tokens.admin });
    expect('rule' in plain.json).toBe(false);
  });

  it.each([
    ['no rule', { name: 'c1', query: 'q' }, 400, 'rule: is required'],
    [
      'a malformed rule',
      { name: 'c2', query: 'q', rule: { all: [] } },
      400,
      'rule.all: must be a non-empty list',
    ],
    [
      'a bad leaf deep in the rule',
      { name: 'c3', query: 'q', rule: { any: [{ detector: 'det_x', label: 'YES' }] } },
      400,
      'rule.any[0].detector: must be a detector id',
    ],
    ['an unknown key', { name: 'c4', query: 'q', rule: {}, mode: 'COUNT' }, 400, 'Unrecognized key'],
  ])('%s → %s', async (_name, body, status, detail) => {
    const res = await post('/device-api/v1/compound-detectors', body);
    expect(res.status).toBe(status);
    expect(res.json.detail).toContain(detail);
  });

  it('422 when the rule names a missing detector, a detector of the wrong mode, or a compound detector', async () => {
    const missing = await post('/device-api/v1/compound-detectors', {
      name: 'c5',
      query: 'q',
      rule: { detector: MISSING, label: 'YES' },
    });
    expect(missing.status).toBe(422);
    expect(missing.json.detail).toBe(`rule: ${MISSING}: no detector has this id`);

    const unfit = await post('/device-api/v1/compound-detectors', {
      name: 'c6',
      query: 'q',
      rule: {
        any: [
          { detector: person, label: 'YES' },
          { detector: helmet, inside: 'door' },
        ],
      },
    });
    expect(unfit.status).toBe(422);
    expect(unfit.json.detail).toContain(
      `rule.any[0]: a label leaf reads a BINARY detector, ${person} is COUNT`,
    );
    expect(unfit.json.detail).toContain(
      `rule.any[1]: a inside leaf reads a COUNT or BOUNDING_BOX detector, ${helmet} is BINARY`,
    );

    const onBinary = await post('/device-api/v1/compound-detectors', {
      name: 'c6b',
      query: 'q',
      rule: {
        all: [
          { detector: helmet, label: 'YES', on: person },
          { not: { detector: person, label: 'YES', on: helmet } },
        ],
      },
    });
    expect(onBinary.status).toBe(422);
    expect(onBinary.json.detail).toBe(
      `rule: rule.all[1].not: a label leaf reads a BINARY detector, ${person} is COUNT; ` +
        `rule.all[1].not.on: a per-object question crops the boxes of a COUNT or BOUNDING_BOX detector, ${helmet} is BINARY`,
    );

    const outer = await post('/device-api/v1/compound-detectors', {
      name: 'c7',
      query: 'q',
      rule: violation(),
    });
    expect(outer.status).toBe(201);
    const nested = await post('/device-api/v1/compound-detectors', {
      name: 'c8',
      query: 'q',
      rule: { not: { detector: outer.json.id as string, label: 'YES' } },
    });
    expect(nested.status).toBe(422);
    expect(nested.json.detail).toContain('compound detectors do not nest');
  });

  it('admins only; a duplicate name is a conflict', async () => {
    const body = { name: 'c9', query: 'q', rule: violation() };
    expect((await post('/device-api/v1/compound-detectors', body, t.tokens.reviewer)).status).toBe(403);
    expect((await post('/device-api/v1/compound-detectors', body, t.tokens.hub)).status).toBe(403);
    expect((await call('/device-api/v1/compound-detectors', { method: 'POST' })).status).toBe(401);
    expect((await post('/device-api/v1/compound-detectors', body)).status).toBe(201);
    expect((await post('/device-api/v1/compound-detectors', body)).status).toBe(409);
  });
});

describe('GraphQL', () => {
  it('createCompoundDetector, Detector.rule, typed errors', async () => {
    const ask = gql(t.url);
    const q = async (query: string, variables?: Record<string, unknown>) =>
      (await ask(query, variables)).body;
    const mutation = `mutation($input: CreateCompoundDetectorInput!) {
      createCompoundDetector(input: $input) { ok error { code message } detector { id mode rule } }
    }`;
    const ok = await q(mutation, { input: { name: 'g1', query: 'q', rule: violation() } });
    expect(ok.errors).toBeUndefined();
    expect(ok.data.createCompoundDetector).toMatchObject({
      ok: true,
      detector: { mode: 'BINARY', rule: violation() },
    });
    const bad = await q(mutation, {
      input: { name: 'g2', query: 'q', rule: { detector: MISSING, label: 'YES' } },
    });
    expect(bad.data.createCompoundDetector).toMatchObject({
      ok: false,
      error: { code: 'UNPROCESSABLE', message: `rule: ${MISSING}: no detector has this id` },
    });
    const read = await q(`{ detector(id: "${helmet}") { rule } }`);
    expect(read.data.detector.rule).toBeNull();
  });
});

describe('a reviewer label on a compound image query', () => {
  it('labels the BINARY parts the rule forces (all YES → each part holds; not flips), on their own image copy', async () => {
    const vest = await newDetector({ name: 'compound vest', query: 'Is there a vest?' });
    const compound = await post('/device-api/v1/compound-detectors', {
      name: 'helmet and vest, no person count',
      query: 'Helmet and no vest?',
      rule: {
        all: [
          { detector: helmet, label: 'YES' },
          { not: { detector: vest, label: 'YES' } },
          { detector: person, count: { gte: 1 } },
        ],
      },
    });
    expect(compound.status).toBe(201);
    const iq = await call(`/v1/image-queries?detector_id=${compound.json.id as string}`, {
      method: 'POST',
      token: t.tokens.admin,
      headers: { 'content-type': 'image/jpeg' },
      body: tinyJpeg(),
    });
    expect(iq.status).toBe(201);
    const labelled = await post(
      '/v1/labels',
      { label: 'YES', image_query_id: iq.json.id, rois: null },
      t.tokens.reviewer,
    );
    expect(labelled.status).toBe(201);
    const partLabel = async (detectorId: string) => {
      const list = await call(`/v1/image-queries?detector_id=${detectorId}`, { token: t.tokens.admin });
      return (
        list.json.results as { result: { label?: string; source: string } | null; metadata: unknown }[]
      ).map((r) => [r.result?.label, r.result?.source, r.metadata]);
    };
    const from = { compound_image_query_id: iq.json.id, compound_detector_id: compound.json.id };
    expect(await partLabel(helmet)).toEqual([['YES', 'USER', from]]);
    expect(await partLabel(vest)).toEqual([['NO', 'USER', from]]);
    // A count says no exact answer: the person detector gets nothing.
    expect(await partLabel(person)).toEqual([]);
    // NO on an all(...) says only that some part failed: nothing more is labelled.
    const again = await call(`/v1/image-queries?detector_id=${compound.json.id as string}`, {
      method: 'POST',
      token: t.tokens.admin,
      headers: { 'content-type': 'image/jpeg' },
      body: tinyJpeg(),
    });
    await post('/v1/labels', { label: 'NO', image_query_id: again.json.id, rois: null }, t.tokens.reviewer);
    expect(await partLabel(helmet)).toHaveLength(1);
  });
});
