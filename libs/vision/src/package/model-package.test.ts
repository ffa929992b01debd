import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ESCALATION_POLICY_FEATURES,
  ESCALATION_POLICY_KIND,
  type EscalationPolicyModel,
} from '@intellioptics/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSoftmaxHead, PROBABILITIES_OUTPUT } from '../heads/softmax.head';
import { DEFAULT_PIPELINE_CONFIG } from '../preprocess/pipeline-config';
import {
  createModelPackage,
  installModelPackage,
  listModelVersions,
  PACKAGE_FILES,
  readModelPackage,
} from './model-package.io';
import { ModelPackageError } from './model-package.types';

const tmpRoots: string[] = [];
afterAll(async () => Promise.all(tmpRoots.map((d) => rm(d, { recursive: true, force: true }))));

function samplePackage() {
  const bytes = buildSoftmaxHead({
    weights: new Float32Array(2 * 4).fill(0.1),
    bias: [0, 1],
    numClasses: 2,
    dim: 4,
  });
  return createModelPackage({
    modelBytes: bytes,
    pipeline: DEFAULT_PIPELINE_CONFIG,
    modelId: 'mv_test',
    metadata: {
      format_version: 1,
      kind: 'primary',
      mode: 'BINARY',
      detector_id: 'det_x',
      class_names: ['YES', 'NO'],
      input: {
        name: 'features',
        source: 'backbone_features',
        dim: 4,
        backbone: { id: 'b', sha256: 'f'.repeat(64) },
      },
      outputs: { probabilities: PROBABILITIES_OUTPUT },
      calibration: { method: 'none' },
      training: {},
      metrics: { held_out_accuracy: 1 },
      created_at: new Date(0).toISOString(),
    },
  });
}

async function errorOf(p: Promise<unknown>): Promise<ModelPackageError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ModelPackageError);
  return e as ModelPackageError;
}

describe('model packages', () => {
  it('installs versions 1, 2 and reads them back verified', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'io-pkg-'));
    tmpRoots.push(root);
    const pkg = samplePackage();
    const a = await installModelPackage(root, 'det_x', pkg);
    const b = await installModelPackage(root, 'det_x', pkg);
    expect([a.version, b.version]).toEqual([1, 2]);
    expect(await listModelVersions(root, 'det_x', 'primary')).toEqual([2, 1]);
    expect(await listModelVersions(root, 'det_x', 'oodd')).toEqual([]);
    const back = await readModelPackage(b.dir);
    expect(back.modelId).toBe('mv_test');
    expect(back.metadata).toEqual(pkg.metadata);
    expect(Buffer.from(back.modelBytes).equals(Buffer.from(pkg.modelBytes))).toBe(true);
    expect((await errorOf(installModelPackage(root, 'det_x', pkg, 2))).code).toBe('ALREADY_EXISTS');
  });

  it('refuses corrupt, incomplete or invalid packages with a typed error', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'io-pkg-'));
    tmpRoots.push(root);
    const { dir } = await installModelPackage(root, 'det_y', samplePackage());
    const model = path.join(dir, PACKAGE_FILES.model);
    const good = await readFile(model);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0xff;
    await writeFile(model, flipped);
    expect((await errorOf(readModelPackage(dir))).code).toBe('SHA256_MISMATCH');
    await writeFile(model, good);
    await writeFile(path.join(dir, PACKAGE_FILES.metadata), '{"format_version": 1, "kind": "primary"');
    expect((await errorOf(readModelPackage(dir))).code).toBe('INVALID_METADATA');
    await rm(path.join(dir, PACKAGE_FILES.modelId));
    expect((await errorOf(readModelPackage(dir))).code).toBe('MISSING_FILE');
  });

  it('carries a learned escalation policy in the primary metadata and refuses one off its contract', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'io-pkg-'));
    tmpRoots.push(root);
    const base = samplePackage();
    const { escalation_policy: _none, model_sha256: _sha, ...meta } = base.metadata;
    const pkg = createModelPackage({
      modelBytes: base.modelBytes,
      pipeline: base.pipeline,
      modelId: base.modelId,
      metadata: { ...meta, escalation_policy: POLICY },
    });
    const { dir } = await installModelPackage(root, 'det_p', pkg);
    const back = await readModelPackage(dir);
    expect(back.metadata.escalation_policy).toEqual(POLICY);
    const write = (m: unknown) => writeFile(path.join(dir, PACKAGE_FILES.metadata), JSON.stringify(m));
    await write({ ...back.metadata, escalation_policy: { ...POLICY, weights: [1, 2] } });
    const bad = await errorOf(readModelPackage(dir));
    expect(bad.code).toBe('INVALID_METADATA');
    expect(bad.message).toContain('escalation_policy.weights');
    await write({ ...back.metadata, kind: 'oodd', outputs: { in_domain_probability: 'p' } });
    expect((await errorOf(readModelPackage(dir))).message).toContain('only for a primary');
  });
});

const POLICY: EscalationPolicyModel = {
  kind: ESCALATION_POLICY_KIND,
  features: [...ESCALATION_POLICY_FEATURES],
  mean: [0.9, 0.8, 1, 0.9, 1.1, 0, 0.02, -1.5],
  scale: [0.1, 0.2, 0.01, 0.2, 0.3, 1, 0.01, 0.8],
  weights: [-1.2, -0.4, 0, -0.9, 0.5, 0, 0.1, 0.6],
  bias: -3.1,
  risk_threshold: 0.08,
  conformal_quantile: 0.42,
  conformal_alpha: 0.1,
  neighbors: 5,
  class_risk: { YES: 0.12, NO: 0.31 },
  class_risk_default: 0.2,
  risk_control: 'learn_then_test',
  target_risk: 0.031,
  delta: 0.1,
  confidence_threshold: 0.9,
  held_out: {
    examples: 310,
    escalation_rate_threshold: 0.29,
    escalation_rate_policy: 0.17,
    edge_error_threshold: 0.031,
    edge_error_policy: 0.027,
    aurc_confidence: 0.021,
    aurc_policy: 0.015,
    won: true,
  },
  history_examples: 620,
};
