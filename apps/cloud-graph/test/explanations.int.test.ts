/**
 * Explanations in the cloud, on real PostgreSQL with the vision predictor and a model trained here on real
 * texture images: the cloud's own answer explains itself (model steps, confidence, decision); an edge's
 * escalation carries its explanation (multipart body) and the cloud adds its steps; a reviewer's label is
 * the last step; REST and GraphQL agree; unknown ids are 404 and tokens are required; the Groundlight image
 * query JSON keeps its shape.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainStarterModels } from '@intellioptics/vision';
import { ExplanationSchema, escalationBody, type Explanation } from '@intellioptics/schema';
import { ImageQuery } from '../src/modules/image-queries/image-query.entity';
import { putPackageSiblings } from '../src/modules/learning/model-package.blobs';
import { api, gql, startCloudForTests, type TestCloud } from './support/test-cloud';

const TEXTURES = path.resolve(import.meta.dirname, '../../../libs/vision/test/fixtures/textures');

let t: TestCloud;
let trained: string;
let untrained: string;
let brick: Buffer;

async function images(name: string): Promise<Buffer[]> {
  const dir = path.join(TEXTURES, name);
  return Promise.all((await readdir(dir)).sort().map((f) => readFile(path.join(dir, f))));
}

beforeAll(async () => {
  t = await startCloudForTests({ predictor: 'vision' });
  const create = async (name: string) =>
    (await t.services.detectors.create({ name, query: 'Is the surface brick?', confidence_threshold: 0.5 }))
      .id;
  trained = await create('brick-explained');
  untrained = await create('brick-escalated');
  const [yes, no] = [await images('brick'), await images('grass')];
  brick = yes[0]!;
  const engine = await t.cloud.engine();
  const features = (await engine.embed([...yes, ...no])).features;
  const models = trainStarterModels(
    engine.backbone,
    engine.pipeline,
    { features, labels: [...yes.map(() => 0), ...no.map(() => 1)], classNames: ['YES', 'NO'] },
    { mode: 'BINARY', detectorId: trained },
  );
  for (const kind of ['oodd', 'primary'] as const) {
    const pkg = models[kind];
    const mv = await t.services.models.create({
      detectorId: trained,
      kind,
      data: Buffer.from(pkg.modelBytes),
      metrics: {},
    });
    await putPackageSiblings(t.deps.blobs, mv.blobKey, pkg, mv.id);
    expect((await t.services.models.publish(mv.id)).ok).toBe(true);
  }
});
afterAll(async () => {
  await t?.close();
});

const EXPLANATION_QUERY = `query ($id: ID!) {
  imageQuery(id: $id) {
    id
    explanation {
      imageQueryId label confidence
      steps { kind text data evidence { rows cols values label } }
      evidence { rows cols values label }
      neighbors { imageQueryId label similarity }
      rois { label score } textSpans { text score }
    }
  }
}`;

/** The GraphQL explanation in the REST shape, to compare the two. */
async function graphqlExplanation(id: string): Promise<Explanation | null> {
  const r = await gql(t.url)(EXPLANATION_QUERY, { id }, t.tokens.admin);
  expect(r.body.errors).toBeUndefined();
  const e = r.body.data.imageQuery.explanation as {
    imageQueryId: string;
    label: string | null;
    confidence: number | null;
    steps: { kind: string; text: string; data: unknown; evidence: unknown }[];
    evidence: Explanation['evidence'];
    neighbors: { imageQueryId: string; label: string; similarity: number }[];
  } | null;
  if (!e) return null;
  return {
    image_query_id: e.imageQueryId,
    label: e.label,
    confidence: e.confidence,
    steps: e.steps.map((s) => ({
      kind: s.kind as Explanation['steps'][number]['kind'],
      text: s.text,
      ...(s.data === null ? {} : { data: s.data as Record<string, number> }),
      ...(s.evidence === null ? {} : { evidence: s.evidence as Explanation['evidence'] & object }),
    })),
    evidence: e.evidence,
    neighbors: e.neighbors.map((n) => ({
      image_query_id: n.imageQueryId,
      label: n.label,
      similarity: n.similarity,
    })),
  };
}

const get = (p: string, token: string | null = t.tokens.admin) => api(t.url)(p, { token });

describe('explanations in the cloud', () => {
  it("a cloud-answered query explains the cloud model's answer, the same through REST and GraphQL", async () => {
    const res = await api(t.url)(`/v1/image-queries?detector_id=${trained}`, {
      method: 'POST',
      token: t.tokens.admin,
      headers: { 'content-type': 'image/jpeg' },
      body: brick,
    });
    expect(res.status).toBe(201);
    expect(res.json).not.toHaveProperty('explanation');
    const id = res.json.id as string;
    const e = await get(`/device-api/v1/image-queries/${id}/explanation`);
    expect(e.status).toBe(200);
    const explanation = ExplanationSchema.parse(e.json);
    expect(explanation).toMatchObject({ image_query_id: id, label: 'YES' });
    // The exact evidence map of the linear head over the backbone's 7×7 map (libs/vision, as at the edge).
    expect(explanation.evidence).toMatchObject({ rows: 7, cols: 7, label: 'YES' });
    expect(explanation.evidence!.values).toHaveLength(49);
    expect(explanation.evidence!.values.some((v) => v > 0)).toBe(true);
    expect(explanation.confidence).toBeCloseTo(res.json.result.confidence as number);
    expect(explanation.steps.map((s) => s.kind)).toEqual(['observation', 'domain', 'confidence', 'decision']);
    expect(explanation.steps[3]!.text).toMatch(/answered by the cloud model/);
    expect(explanation.steps[2]!.data).toMatchObject({ threshold: 0.5, confident: true });
    expect(await graphqlExplanation(id)).toEqual(explanation);
  });

  it("an edge's escalation keeps the edge's explanation, then the cloud's step, then the reviewer's label", async () => {
    const id = 'iq_explainedEscalation0001';
    const fromEdge: Explanation = {
      image_query_id: id,
      label: 'NO',
      confidence: 0.41,
      steps: [
        {
          kind: 'observation',
          text: 'The model answered "NO" with confidence 0.41.',
          data: { confidence: 0.41 },
        },
        {
          kind: 'decision',
          text: 'Escalated to the cloud: the confidence is below the threshold.',
          data: { reason: 'BELOW_THRESHOLD', escalated: true },
        },
      ],
      evidence: { rows: 2, cols: 2, values: [0.1, 0.2, 0.3, 0.4], label: 'NO' },
      neighbors: [{ image_query_id: 'iq_labelled1', label: 'NO', similarity: 0.87 }],
    };
    const { body, contentType } = escalationBody(brick, 'image/jpeg', fromEdge);
    const metadata = Buffer.from(JSON.stringify({ reason: 'BELOW_THRESHOLD' })).toString('base64url');
    const res = await api(t.url)(
      `/device-api/v1/image-queries?detector_id=${untrained}&image_query_id=${id}&want_async=true&metadata=${metadata}`,
      { method: 'POST', token: t.tokens.hub, headers: { 'content-type': contentType }, body },
    );
    expect(res.status).toBe(201);
    const stored = await t.deps.orm.em.fork().findOneOrFail(ImageQuery, { id });
    expect(stored.imageBytes).toBe(brick.length);

    const e = (await get(`/device-api/v1/image-queries/${id}/explanation`, t.tokens.hub)).json as Explanation;
    expect(e.steps.slice(0, 2)).toEqual(fromEdge.steps);
    expect(e.steps[2]).toMatchObject({ kind: 'decision', data: { where: 'cloud', escalated: true } });
    expect(e.steps[2]!.text).toMatch(/^In the cloud: sent to the review queue/);
    expect(e).toMatchObject({ evidence: fromEdge.evidence, neighbors: fromEdge.neighbors, label: 'NO' });
    expect(await graphqlExplanation(id)).toEqual(e);

    const label = await api(t.url)('/device-api/v1/labels', {
      method: 'POST',
      token: t.tokens.reviewer,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image_query_id: id, label: 'YES' }),
    });
    expect(label.status).toBe(201);
    const after = (await get(`/device-api/v1/image-queries/${id}/explanation`)).json as Explanation;
    expect(after.steps.slice(0, 3)).toEqual(e.steps);
    expect(after.steps[3]).toMatchObject({ kind: 'decision', text: 'Labelled by a reviewer: "YES".' });
    expect(after).toMatchObject({ label: 'YES', confidence: 1 });
    expect(await graphqlExplanation(id)).toEqual(after);
  });

  it('refuses an escalation whose explanation is off the contract with 400, storing nothing', async () => {
    const id = 'iq_badExplanation00000001';
    const { body, contentType } = escalationBody(brick, 'image/jpeg', {
      steps: 'none',
    } as unknown as Explanation);
    const res = await api(t.url)(`/v1/image-queries?detector_id=${untrained}&image_query_id=${id}`, {
      method: 'POST',
      token: t.tokens.hub,
      headers: { 'content-type': contentType },
      body,
    });
    expect(res.status).toBe(400);
    expect(res.json.detail).toMatch(/^explanation: /);
    expect(await t.deps.orm.em.fork().count(ImageQuery, { id })).toBe(0);
  });

  it('unknown id → 404 {detail}; no token → 401; GraphQL null', async () => {
    const missing = await get('/device-api/v1/image-queries/iq_doesNotExist/explanation');
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toEqual(expect.any(String));
    const anon = await get('/device-api/v1/image-queries/iq_doesNotExist/explanation', null);
    expect(anon.status).toBe(401);
    const r = await gql(t.url)(EXPLANATION_QUERY, { id: 'iq_doesNotExist' }, t.tokens.admin);
    expect(r.body.data.imageQuery).toBeNull();
  });
});
