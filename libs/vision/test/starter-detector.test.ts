/**
 * End to end on real images: a binary "is it brick?" detector built from labelled fixture tiles answers
 * held-out tiles correctly, and its OODD head rejects handwritten digits and photos.
 */
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Head } from '../src/index';
import {
  embedLabelledFolder,
  installModelPackage,
  readModelPackage,
  trainStarterModels,
  VisionEngine,
} from '../src/index';
import { fixture, isTrainTile, textureFiles } from './fixtures.helper';

describe('starter binary detector on real textures', () => {
  let engine: VisionEngine;
  let root: string;
  let primary: Head;
  let oodd: Head;

  beforeAll(async () => {
    engine = await VisionEngine.create();
    root = await mkdtemp(path.join(os.tmpdir(), 'io-starter-'));
    const data = path.join(root, 'data');
    for (const [cls, textures] of [
      ['YES', ['brick']],
      ['NO', ['grass', 'gravel']],
    ] as const) {
      await mkdir(path.join(data, cls), { recursive: true });
      for (const t of textures)
        for (const f of (await textureFiles(t)).filter(isTrainTile))
          await cp(f, path.join(data, cls, `${t}-${path.basename(f)}`));
    }
    const labelled = await embedLabelledFolder(engine, data);
    expect(labelled.classNames).toEqual(['YES', 'NO']);
    const models = trainStarterModels(engine.backbone, engine.pipeline, labelled, {
      mode: 'BINARY',
      detectorId: 'det_brick',
    });
    // Round-trip through the on-disk package format, as the inference service will.
    const modelsDir = path.join(root, 'models');
    const p = await installModelPackage(modelsDir, 'det_brick', models.primary);
    const o = await installModelPackage(modelsDir, 'det_brick', models.oodd);
    primary = await engine.loadHead(await readModelPackage(p.dir));
    oodd = await engine.loadHead(await readModelPackage(o.dir));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('answers held-out tiles correctly and confidently in-domain', async () => {
    const cases: { file: string; yes: boolean }[] = [];
    for (const t of ['brick', 'grass', 'gravel'] as const)
      for (const f of (await textureFiles(t)).filter((x) => !isTrainTile(x)))
        cases.push({ file: f, yes: t === 'brick' });
    const { features } = await engine.embed(await Promise.all(cases.map((c) => readFile(c.file))));
    const answers = await primary.run(features);
    const inDomain = await oodd.run(features);
    cases.forEach((c, i) => {
      const a = answers[i]!;
      if (a.kind !== 'primary') throw new Error('expected primary output');
      expect(a.probabilities[0]! > 0.5, path.basename(c.file)).toBe(c.yes);
      expect(Math.max(...a.probabilities)).toBeGreaterThan(0.9);
    });
    const pin = inDomain.map((o) => (o.kind === 'oodd' ? o.inDomainProbability : NaN));
    expect(pin.filter((p) => p > 0.5).length).toBeGreaterThanOrEqual(Math.ceil(0.8 * pin.length));
  });

  it('gives out-of-domain images (digits, photos) a low in-domain probability', async () => {
    const files = [
      'ood/digits-0.png',
      'ood/digits-7.png',
      'ood/digit-single-5.png',
      'photos/chelsea.jpg',
      'photos/coffee.png',
    ];
    const { features } = await engine.embed(await Promise.all(files.map(fixture)));
    const out = await oodd.run(features);
    out.forEach((o, i) => {
      if (o.kind !== 'oodd') throw new Error('expected oodd output');
      expect(o.inDomainProbability, files[i]).toBeLessThan(0.1);
    });
  });
});
