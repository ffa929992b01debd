/**
 * Explanations in the real server's answers (real backbone, real heads, real fixture images): a trained
 * detector's evidence map sums exactly to its logit margin, its neighbours come from the index in the package,
 * its domain step carries the OODD reading; an old package (no index) still gets its map; a built-in COUNT
 * answer names its boxes.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectorAnswer } from '@intellioptics/schema';
import { DetectorAnswerSchema } from '@intellioptics/schema';
import {
  buildDetectorPackages,
  buildNeighborIndex,
  fitMahalanobisOodd,
  fitSoftmaxRegression,
  installModelPackage,
  VisionEngine,
} from '@intellioptics/vision';
import { isTrainTile, textureFiles } from '@intellioptics/vision/test-fixtures';
import { parseEnv } from '../src/config/env';
import type { InferenceServer } from '../src/server';
import { buildServer } from '../src/server';
import { fixture, installAs, memoryLogger, tmpRoot, trainPackages } from './helpers';

let root: string;
let server: InferenceServer;
let api: string;

beforeAll(async () => {
  root = await tmpRoot();
  const engine = await VisionEngine.create();
  const modelsDir = path.join(root, 'home', 'models');
  // A package as the learning loop builds it: trained on labelled image queries, with their index.
  const examples: { id: string; features: Float32Array; classIndex: number }[] = [];
  for (const t of ['brick', 'grass', 'gravel'] as const)
    for (const f of (await textureFiles(t)).filter(isTrainTile)) {
      const { features } = await engine.embed([await readFile(f)]);
      examples.push({
        id: `iq_${t}${path.basename(f, path.extname(f))}`,
        features: features[0]!,
        classIndex: t === 'brick' ? 0 : 1,
      });
    }
  const X = examples.map((e) => e.features);
  const y = examples.map((e) => e.classIndex);
  const pkgs = buildDetectorPackages({
    primary: {
      model: fitSoftmaxRegression(X, y, 2, { l2: 1e-2 }),
      temperature: 1,
      calibration: { method: 'none' },
      training: { l2: 1e-2 },
      metrics: {},
      neighborIndex: buildNeighborIndex(examples),
    },
    oodd: { fit: fitMahalanobisOodd(X, y), training: {}, metrics: {} },
    pipeline: engine.pipeline,
    backbone: engine.backbone,
    metadata: {
      mode: 'BINARY',
      detectorId: 'det_learned',
      classNames: ['YES', 'NO'],
      createdAt: new Date().toISOString(),
    },
  });
  await installModelPackage(modelsDir, 'det_learned', pkgs.primary, 1);
  await installModelPackage(modelsDir, 'det_learned', pkgs.oodd, 1);
  // A starter package (no index), as every package before explanations.
  await installAs(
    await trainPackages(engine, root, 'brick', { YES: ['brick'], NO: ['grass', 'gravel'] }),
    modelsDir,
    'det_starter',
    1,
  );
  const config = parseEnv({
    IO_HOME: path.join(root, 'home'),
    INFERENCE_HOST: '127.0.0.1',
    INFERENCE_PORT: '0',
    INFERENCE_HEALTH_PORT: '0',
    INFERENCE_MODEL_POLL_MS: '60000',
  });
  server = buildServer({ config, logger: memoryLogger().logger, createEngine: async () => engine });
  api = `http://127.0.0.1:${(await server.listen()).apiPort}`;
  await server.ready;
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

async function answerOf(query: string, body: Uint8Array): Promise<DetectorAnswer> {
  const res = await fetch(`${api}/infer?${query}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(res.status).toBe(200);
  // The contract the edge parses: explanation included.
  return DetectorAnswerSchema.parse(await res.json());
}

/** Σ cells + the blank image's margin = log(p_label / p_other), the head's own logit margin. */
function marginGap(a: DetectorAnswer): number {
  const e = a.explanation!;
  const obs = e.steps[0]!;
  const p = Object.values(a.probabilities);
  const label = a.label.index;
  const sum = e.evidence!.values.reduce((s, v) => s + v, 0) + Number(obs.data!['evidence_base']);
  return Math.abs(sum - Math.log(p[label]! / p[1 - label]!));
}

describe('explanations in /infer answers', () => {
  it('a learned detector: exact map, in-domain step, same-class neighbours from its package', async () => {
    for (const [file, expected] of [
      ['textures/brick/09.jpg', 'YES'],
      ['textures/grass/10.webp', 'NO'],
      ['textures/gravel/08.jpg', 'NO'],
    ] as const) {
      const a = await answerOf('detector_id=det_learned', await fixture(file));
      expect(a.label.name, file).toBe(expected);
      const e = a.explanation!;
      expect(e.steps.map((s) => s.kind)).toEqual(['observation', 'domain']);
      expect(e.steps[0]!.text).toContain(`sees ${expected}`);
      expect(e.steps[1]!.data).toMatchObject({ in_domain: true });
      expect(Number(e.steps[1]!.data!['distance'])).toBeGreaterThan(0);
      expect(e.evidence).toMatchObject({ rows: 7, cols: 7, label: expected });
      expect(marginGap(a), file).toBeLessThan(2e-3);
      expect(e.neighbors).toHaveLength(5);
      expect(
        e.neighbors.every((n) => n.label === expected),
        file,
      ).toBe(true);
      expect(e.neighbors[0]!.image_query_id).toMatch(/^iq_(brick|grass|gravel)\d\d$/);
    }
  });

  it('out of domain: the domain step says so', async () => {
    const a = await answerOf('detector_id=det_learned', await fixture('photos/dog.jpg'));
    const domain = a.explanation!.steps.find((s) => s.kind === 'domain')!;
    expect(domain.data).toMatchObject({ in_domain: false });
    expect(domain.text).toMatch(/unlike the detector's training images/);
  });

  it('an old package without an index: the exact map, no neighbours', async () => {
    const a = await answerOf('detector_id=det_starter', await fixture('textures/brick/10.webp'));
    expect(a.explanation!.neighbors).toEqual([]);
    expect(a.explanation!.evidence!.values).toHaveLength(49);
    expect(marginGap(a)).toBeLessThan(2e-3);
  });

  it('a built-in COUNT answer names the boxes it counted', async () => {
    const a = await answerOf(
      'detector_id=det_people&mode=COUNT&class_name=person&max_count=5',
      await fixture('detection/person.jpg'),
    );
    expect(a.count!.count).toBeGreaterThan(0);
    expect(a.explanation).toMatchObject({ evidence: null, neighbors: [] });
    expect(a.explanation!.steps[0]!.kind).toBe('observation');
    expect(a.explanation!.steps[0]!.text).toMatch(/COCO object detector found \d+ box/);
  });
});
