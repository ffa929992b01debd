/**
 * A model package in the blob store. The model registry stores `model.buf` at the version's blobKey; the other
 * package files (MODELS.md) sit beside it: `<dir>/pipeline_config.yaml`, `predictor_metadata.json`,
 * `model_id.txt`, so an edge (or this worker, to re-evaluate the current version) gets the whole package.
 */
import {
  PACKAGE_FILES,
  pipelineConfigFromYaml,
  pipelineConfigToYaml,
  sha256Hex,
  type ModelPackage,
  type PredictorMetadata,
} from '@intellioptics/vision';
import type { BlobStore } from '../../blob/blob-store';

const dirOf = (blobKey: string): string => blobKey.slice(0, blobKey.lastIndexOf('/'));

/** Writes the files that accompany model.buf (already stored by the registry at `blobKey`). */
export async function putPackageSiblings(
  blobs: BlobStore,
  blobKey: string,
  pkg: ModelPackage,
  modelVersionId: string,
): Promise<void> {
  const dir = dirOf(blobKey);
  await blobs.put(
    `${dir}/${PACKAGE_FILES.pipeline}`,
    Buffer.from(pipelineConfigToYaml(pkg.pipeline)),
    'application/yaml',
  );
  await blobs.put(
    `${dir}/${PACKAGE_FILES.metadata}`,
    Buffer.from(`${JSON.stringify(pkg.metadata, null, 2)}\n`),
    'application/json',
  );
  await blobs.put(`${dir}/${PACKAGE_FILES.modelId}`, Buffer.from(`${modelVersionId}\n`), 'text/plain');
}

/** Reads a stored package back and checks model.buf against the sha256 in its metadata. */
export async function getPackage(blobs: BlobStore, blobKey: string): Promise<ModelPackage> {
  const dir = dirOf(blobKey);
  const [model, metadata, pipeline, modelId] = await Promise.all([
    blobs.get(blobKey),
    blobs.get(`${dir}/${PACKAGE_FILES.metadata}`),
    blobs.get(`${dir}/${PACKAGE_FILES.pipeline}`),
    blobs.get(`${dir}/${PACKAGE_FILES.modelId}`),
  ]);
  if (!model || !metadata || !pipeline) throw new Error(`the package at ${dir} is incomplete`);
  const meta = JSON.parse(metadata.data.toString('utf8')) as PredictorMetadata;
  const bytes = new Uint8Array(model.data.buffer, model.data.byteOffset, model.data.byteLength);
  if (sha256Hex(bytes) !== meta.model_sha256) throw new Error(`model.buf at ${blobKey} fails its sha256`);
  return {
    dir: null,
    modelBytes: bytes,
    metadata: meta,
    pipeline: pipelineConfigFromYaml(pipeline.data.toString('utf8')),
    modelId: modelId?.data.toString('utf8').trim() ?? '',
  };
}
