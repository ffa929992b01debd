/**
 * The cloud answering with a real published model through the REST API (the composed cloud with the vision
 * predictor, a starter model trained here from libs/vision's texture fixtures): a decodable image gets a
 * cloud answer; one that passes the structural check but does not decode is a 400 CORRUPT_IMAGE with nothing
 * stored, not a 500 that an edge would retry forever.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainStarterModels } from '@intellioptics/vision';
import { ImageQuery } from '../src/modules/image-queries/image-query.entity';
import { putPackageSiblings } from '../src/modules/learning/model-package.blobs';
import { api, startCloudForTests, type TestCloud } from './support/test-cloud';
import { tinyJpeg } from './support/images';

const TEXTURES = path.resolve(import.meta.dirname, '../../../libs/vision/test/fixtures/textures');

let t: TestCloud;
let detectorId: string;
let brick: Buffer;

async function images(name: string): Promise<Buffer[]> {
  const dir = path.join(TEXTURES, name);
  return Promise.all((await readdir(dir)).sort().map((f) => readFile(path.join(dir, f))));
}

beforeAll(async () => {
  t = await startCloudForTests({ predictor: 'vision' });
  detectorId = (
    await t.services.detectors.create({
      name: 'brick-cloud',
      query: 'Is the surface brick?',
      confidence_threshold: 0.5,
    })
  ).id;
  const [yes, no] = [await images('brick'), await images('grass')];
  brick = yes[0]!;
  const engine = await t.cloud.engine();
  const features = (await engine.embed([...yes, ...no])).features;
  const models = trainStarterModels(
    engine.backbone,
    engine.pipeline,
    { features, labels: [...yes.map(() => 0), ...no.map(() => 1)], classNames: ['YES', 'NO'] },
    { mode: 'BINARY', detectorId },
  );
  for (const kind of ['oodd', 'primary'] as const) {
    const pkg = models[kind];
    const mv = await t.services.models.create({
      detectorId,
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

const submit = (body: Buffer) =>
  api(t.url)(`/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    token: t.tokens.admin,
    headers: { 'content-type': 'image/jpeg' },
    body,
  });

/** tinyJpeg with a frame height of 0: every segment is intact, but no decoder can make pixels of it. */
function undecodableJpeg(): Buffer {
  const b = tinyJpeg();
  const sof = b.indexOf(Buffer.from([0xff, 0xc0]));
  b[sof + 5] = 0;
  b[sof + 6] = 0;
  return b;
}

describe('cloud answers with a published model', () => {
  it('answers a real image from the cloud model', async () => {
    const res = await submit(brick);
    expect(res.status).toBe(201);
    expect(res.json.result).toMatchObject({ source: 'CLOUD', label: 'YES' });
  });

  it('refuses an image it cannot decode with 400 CORRUPT_IMAGE and stores nothing', async () => {
    const before = await t.deps.orm.em.fork().count(ImageQuery, {});
    const res = await submit(undecodableJpeg());
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      code: 'CORRUPT_IMAGE',
      detail: expect.stringMatching(/decoded/) as unknown,
    });
    expect(await t.deps.orm.em.fork().count(ImageQuery, {})).toBe(before);
    expect((await submit(brick)).status).toBe(201);
  });
});
