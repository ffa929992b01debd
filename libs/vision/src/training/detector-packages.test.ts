import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_CONFIG } from '../preprocess/pipeline-config';
import { sha256Hex } from '../package/model-package.io';
import { buildDetectorPackages, type DetectorPackagesInput } from './detector-packages';
import { fitMahalanobisOodd } from './mahalanobis.fit';
import { fitSoftmaxRegression } from './softmax-regression';
import { mulberry32 } from './stratified-split';

const DIM = 8;
const rand = mulberry32(7);
const features = Array.from({ length: 40 }, (_, i) =>
  Float32Array.from({ length: DIM }, (_, d) => (d === i % 2 ? 2 : 0) + rand() - 0.5),
);
const labels = features.map((_, i) => i % 2);
const model = fitSoftmaxRegression(features, labels, 2, { l2: 1e-3 });
const fit = fitMahalanobisOodd(features, labels, { seed: 1 });

function input(modelIds?: DetectorPackagesInput['modelIds']): DetectorPackagesInput {
  return {
    primary: {
      model,
      temperature: 1.5,
      calibration: { method: 'temperature', temperature: 1.5, held_out_examples: 10 },
      training: { l2: 1e-3, examples_per_class: { YES: 20, NO: 20 } },
      metrics: { held_out_accuracy: 1 },
    },
    oodd: { fit, training: { class_conditional_means: fit.numMeans }, metrics: { in_domain_examples: 40 } },
    pipeline: DEFAULT_PIPELINE_CONFIG,
    backbone: { id: 'bb', sha256: 'f'.repeat(64), featureDim: DIM },
    modelIds,
    metadata: {
      mode: 'BINARY',
      detectorId: 'det_x',
      classNames: ['YES', 'NO'],
      createdAt: '2026-12-02T00:00:00.000Z',
    },
  };
}

describe(buildDetectorPackages.name, () => {
  const { primary, oodd } = buildDetectorPackages(input({ prefix: 'starter-' }));

  it('describes both heads for the same detector, backbone and classes', () => {
    for (const pkg of [primary, oodd]) {
      expect(pkg.metadata).toMatchObject({
        format_version: 1,
        mode: 'BINARY',
        detector_id: 'det_x',
        class_names: ['YES', 'NO'],
        input: { source: 'backbone_features', dim: DIM, backbone: { id: 'bb', sha256: 'f'.repeat(64) } },
        created_at: '2026-12-02T00:00:00.000Z',
      });
      expect(pkg.metadata.model_sha256).toBe(sha256Hex(pkg.modelBytes));
      expect(pkg.dir).toBeNull();
    }
    expect(primary.metadata.kind).toBe('primary');
    expect(oodd.metadata.kind).toBe('oodd');
  });

  it('merges the fitted facts with the caller training facts', () => {
    expect(primary.metadata.calibration).toEqual({
      method: 'temperature',
      temperature: 1.5,
      held_out_examples: 10,
    });
    expect(primary.metadata.training).toEqual({
      algorithm: 'softmax_regression_lbfgs',
      l2: 1e-3,
      iterations: model.iterations,
      converged: model.converged,
      examples_per_class: { YES: 20, NO: 20 },
    });
    expect(oodd.metadata.calibration).toMatchObject({
      method: 'sigmoid_distance',
      tau: fit.tau,
      slope: fit.slope,
    });
    expect(oodd.metadata.training).toEqual({
      algorithm: 'mahalanobis_shared_covariance_ledoit_wolf',
      shrinkage: fit.shrinkage,
      rank: fit.rank,
      class_conditional_means: fit.numMeans,
    });
    expect(oodd.metadata.metrics).toEqual({ in_domain_examples: 40 });
  });

  it('keeps the predictor_metadata.json key order', () => {
    expect(Object.keys(primary.metadata)).toEqual([
      'format_version',
      'kind',
      'mode',
      'detector_id',
      'class_names',
      'input',
      'outputs',
      'calibration',
      'training',
      'metrics',
      'created_at',
      'model_sha256',
    ]);
  });

  it.each([
    ['a prefix', { prefix: 'starter-' }, /^starter-primary-[0-9a-f]{16}$/, /^starter-oodd-[0-9a-f]{16}$/],
    ['no ids', undefined, /^primary-[0-9a-f]{16}$/, /^oodd-[0-9a-f]{16}$/],
    ['known ids', { primary: 'mv_p', oodd: 'mv_o' }, /^mv_p$/, /^mv_o$/],
  ] as const)('names the packages from %s', (_what, ids, primaryId, ooddId) => {
    const pkgs = buildDetectorPackages(input(ids));
    expect(pkgs.primary.modelId).toMatch(primaryId);
    expect(pkgs.oodd.modelId).toMatch(ooddId);
  });
});
