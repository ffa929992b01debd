/**
 * The int8 backbone against the fp32 one on fixture images it was not calibrated on: feature agreement, and a
 * starter detector trained on fp32 features still answers held-out tiles right and rejects out-of-domain images.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedLabelledFolder, trainStarterModels, VisionEngine } from '../src/index';
import { fixture, isTrainTile, textureFiles, TEXTURES } from './fixtures.helper';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const cosine = (a: Float32Array, b: Float32Array): number => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return d / Math.sqrt(na * nb);
};

describe('int8 backbone', () => {
  let fp32: VisionEngine;
  let int8: VisionEngine;
  let heldOut: Buffer[];
  beforeAll(async () => {
    fp32 = await VisionEngine.create({ precision: 'fp32' });
    int8 = await VisionEngine.create({ precision: 'int8' });
    const tiles = (await Promise.all(TEXTURES.map(textureFiles))).flat().filter((f) => !isTrainTile(f));
    heldOut = await Promise.all(tiles.map((f) => readFile(f)));
  });

  it('is a different model that declares the fp32 backbone it approximates', () => {
    expect(int8.backbone.precision).toBe('int8');
    expect(int8.backbone.approximates).toBe(fp32.backbone.sha256);
    expect(int8.backbone.sha256).not.toBe(fp32.backbone.sha256);
  });

  it('gives features close to fp32 on images outside its calibration set', async () => {
    const images = [
      ...heldOut,
      ...(await Promise.all(['ood/digits-0.png', 'ood/digits-7.png', 'ood/digit-single-5.png'].map(fixture))),
    ];
    const a = (await fp32.embed(images)).features;
    const b = (await int8.embed(images)).features;
    const cos = a.map((f, i) => cosine(f, b[i]!));
    const mean = cos.reduce((x, y) => x + y, 0) / cos.length;
    expect(mean).toBeGreaterThan(0.97); // 0.98 measured
    expect(Math.min(...cos)).toBeGreaterThan(0.9);
  });

  it('runs heads trained on fp32 features: held-out tiles right, digits out of domain', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'io-int8-'));
    for (const [cls, textures] of [
      ['YES', ['brick']],
      ['NO', ['grass', 'gravel']],
    ] as const) {
      await mkdir(path.join(root, cls), { recursive: true });
      for (const t of textures)
        for (const f of (await textureFiles(t)).filter(isTrainTile))
          await cp(f, path.join(root, cls, `${t}-${path.basename(f)}`));
    }
    const labelled = await embedLabelledFolder(fp32, root);
    const models = trainStarterModels(fp32.backbone, fp32.pipeline, labelled, { mode: 'BINARY' });
    const primary = await int8.loadHead(models.primary);
    const oodd = await int8.loadHead(models.oodd);
    const { features } = await int8.embed(heldOut);
    const answers = await primary.run(features);
    // held-out tiles: 4 brick, then 4 grass, 4 gravel (TEXTURES order)
    answers.forEach((a, i) => {
      if (a.kind !== 'primary') throw new Error('expected primary output');
      expect(a.probabilities[0]! > 0.5, `tile ${i}`).toBe(i < 4);
    });
    const digits = (
      await int8.embed(await Promise.all(['ood/digits-0.png', 'ood/digits-7.png'].map(fixture)))
    ).features;
    for (const o of await oodd.run(digits))
      expect(o.kind === 'oodd' ? o.inDomainProbability : NaN).toBeLessThan(0.1);
  });
});
