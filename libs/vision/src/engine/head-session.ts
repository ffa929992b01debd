/**
 * The ONNX session of a package's head, after the checks every head kind shares: trained on this backbone (and
 * its feature width), the same image transform, a model.buf onnxruntime accepts, and the input and outputs its
 * metadata names. Pooled heads (VisionEngine.loadHead) and feature-map heads (loadFeatureMapHead) differ only in
 * their input name.
 */
import * as ort from 'onnxruntime-node';
import { backboneRunsHeadTrainedOn } from '../backbone/backbone-compat';
import type { BackboneInfo } from '../backbone/backbone.cache';
import type { ModelPackage } from '../package/model-package.types';
import { ModelPackageError } from '../package/model-package.types';
import type { PipelineConfig } from '../preprocess/pipeline-config';
import { sameImageTransform } from '../preprocess/pipeline-config';

export async function openHeadSession(
  pkg: ModelPackage,
  backbone: Pick<BackboneInfo, 'id' | 'sha256' | 'approximates'> & { featureDim: number },
  pipeline: PipelineConfig,
  inputName: string,
): Promise<ort.InferenceSession> {
  const { metadata } = pkg;
  if (
    !backboneRunsHeadTrainedOn(backbone, metadata.input.backbone.sha256) ||
    metadata.input.dim !== backbone.featureDim
  ) {
    throw new ModelPackageError(
      'BACKBONE_MISMATCH',
      `package was trained on backbone ${metadata.input.backbone.id} (${metadata.input.backbone.sha256.slice(0, 12)}…), this engine runs ${backbone.id} (${backbone.sha256.slice(0, 12)}…)`,
      pkg.dir,
    );
  }
  if (!sameImageTransform(pkg.pipeline, pipeline)) {
    throw new ModelPackageError(
      'INVALID_PIPELINE_CONFIG',
      'pipeline_config differs from the backbone preprocessing',
      pkg.dir,
    );
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(pkg.modelBytes, {
      intraOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new ModelPackageError(
      'LOAD_FAILED',
      `onnxruntime refused model.buf: ${(err as Error).message}`,
      pkg.dir,
    );
  }
  const wanted = Object.values(metadata.outputs).filter((o): o is string => typeof o === 'string');
  const missing = wanted.filter((o) => !session.outputNames.includes(o));
  if (!session.inputNames.includes(inputName) || missing.length > 0) {
    await session.release();
    throw new ModelPackageError(
      'LOAD_FAILED',
      `model.buf does not match its metadata (input ${inputName}, outputs ${wanted.join(', ')})`,
      pkg.dir,
    );
  }
  return session;
}
