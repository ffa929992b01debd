/**
 * Model package writer/reader. Layout: <dir>/{model.buf, pipeline_config.yaml, predictor_metadata.json,
 * model_id.txt} (PACKAGE_FILES), installed as <models>/<detector>/<kind>/<N>/ (libs/schema model-store.ts).
 * Writes go to a temp sibling and are renamed into place, so a reader never sees half a package; reads
 * verify model.buf against the sha256 in the metadata.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  PACKAGE_FILES,
  modelKindDir,
  modelVersionDir,
  modelVersionsFromNames,
  nextModelVersion,
  readEscalationPolicy,
} from '@intellioptics/schema';
import type { PipelineConfig } from '../preprocess/pipeline-config';
import { pipelineConfigFromYaml, pipelineConfigToYaml } from '../preprocess/pipeline-config';
import type { ModelKind, ModelPackage, PredictorMetadata } from './model-package.types';
import { HEAD_INPUT_SOURCES, ModelPackageError } from './model-package.types';

/** The package files and the store layout are libs/schema's model-store contract. */
export { PACKAGE_FILES, modelKindDir } from '@intellioptics/schema';

export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

export interface NewModelPackage {
  modelBytes: Uint8Array;
  metadata: Omit<PredictorMetadata, 'model_sha256'>;
  pipeline: PipelineConfig;
  modelId: string;
}

/** Builds the in-memory package (computing the sha256) without touching the disk. */
export function createModelPackage(p: NewModelPackage): ModelPackage {
  return {
    dir: null,
    modelBytes: p.modelBytes,
    pipeline: p.pipeline,
    modelId: p.modelId,
    metadata: { ...p.metadata, model_sha256: sha256Hex(p.modelBytes) },
  };
}

/** Writes a package into `dir` (which must not exist) atomically. */
export async function writeModelPackage(dir: string, pkg: ModelPackage): Promise<string> {
  const parent = path.dirname(dir);
  await mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(dir)}.${process.pid}.${Date.now()}.tmp`);
  await mkdir(tmp);
  try {
    await writeFile(path.join(tmp, PACKAGE_FILES.model), pkg.modelBytes);
    await writeFile(path.join(tmp, PACKAGE_FILES.pipeline), pipelineConfigToYaml(pkg.pipeline));
    await writeFile(path.join(tmp, PACKAGE_FILES.metadata), `${JSON.stringify(pkg.metadata, null, 2)}\n`);
    await writeFile(path.join(tmp, PACKAGE_FILES.modelId), `${pkg.modelId}\n`);
    await rename(tmp, dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST') {
        throw new ModelPackageError('ALREADY_EXISTS', 'a package already exists at the target', dir);
      }
      throw err;
    });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

async function readRequired(dir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(path.join(dir, name));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelPackageError('MISSING_FILE', `cannot read ${name}: ${code ?? String(err)}`, dir);
  }
}

function validateMetadata(raw: unknown, dir: string): PredictorMetadata {
  const fail = (why: string): never => {
    throw new ModelPackageError('INVALID_METADATA', `predictor_metadata.json: ${why}`, dir);
  };
  if (typeof raw !== 'object' || raw === null) return fail('not an object');
  const m = raw as Partial<PredictorMetadata>;
  if (m.format_version !== 1) fail(`unsupported format_version ${String(m.format_version)}`);
  if (m.kind !== 'primary' && m.kind !== 'oodd') fail(`kind must be primary or oodd`);
  if (!['BINARY', 'MULTI_CLASS', 'COUNT', 'BOUNDING_BOX', 'TEXT'].includes(String(m.mode)))
    fail('unknown mode');
  if (!Array.isArray(m.class_names) || m.class_names.some((c) => typeof c !== 'string')) fail('class_names');
  if (
    !m.input ||
    !HEAD_INPUT_SOURCES.includes(m.input.source) ||
    typeof m.input.backbone?.sha256 !== 'string'
  )
    fail('input');
  if (typeof m.model_sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.model_sha256)) fail('model_sha256');
  if (m.kind === 'primary' && !m.outputs?.probabilities) fail('outputs.probabilities');
  if (m.kind === 'oodd' && !m.outputs?.in_domain_probability) fail('outputs.in_domain_probability');
  if (m.escalation_policy !== undefined) {
    if (m.kind !== 'primary') fail('escalation_policy is only for a primary package');
    const policy = readEscalationPolicy(m.escalation_policy);
    if (policy.error !== null) fail(`escalation_policy.${policy.error}`);
  }
  return m as PredictorMetadata;
}

/** Reads and verifies a package directory; throws ModelPackageError on any problem. */
export async function readModelPackage(dir: string): Promise<ModelPackage> {
  const [modelBuf, pipelineText, metadataText, modelIdText] = await Promise.all([
    readRequired(dir, PACKAGE_FILES.model),
    readRequired(dir, PACKAGE_FILES.pipeline),
    readRequired(dir, PACKAGE_FILES.metadata),
    readRequired(dir, PACKAGE_FILES.modelId),
  ]);
  let rawMeta: unknown;
  try {
    rawMeta = JSON.parse(metadataText.toString('utf8'));
  } catch (err) {
    throw new ModelPackageError(
      'INVALID_METADATA',
      `predictor_metadata.json is not JSON: ${String(err)}`,
      dir,
    );
  }
  const metadata = validateMetadata(rawMeta, dir);
  let pipeline: PipelineConfig;
  try {
    pipeline = pipelineConfigFromYaml(pipelineText.toString('utf8'));
  } catch (err) {
    throw new ModelPackageError('INVALID_PIPELINE_CONFIG', (err as Error).message, dir);
  }
  const modelBytes = new Uint8Array(modelBuf.buffer, modelBuf.byteOffset, modelBuf.byteLength);
  const actual = sha256Hex(modelBytes);
  if (actual !== metadata.model_sha256) {
    throw new ModelPackageError(
      'SHA256_MISMATCH',
      `model.buf sha256 ${actual.slice(0, 12)}… does not match metadata ${metadata.model_sha256.slice(0, 12)}…`,
      dir,
    );
  }
  return { dir, modelBytes, metadata, pipeline, modelId: modelIdText.toString('utf8').trim() };
}

/** Installed integer versions of one model, highest first (non-numeric and temp entries ignored). */
export async function listModelVersions(
  modelsRoot: string,
  detectorId: string,
  kind: ModelKind,
): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(modelKindDir(modelsRoot, detectorId, kind));
  } catch {
    return [];
  }
  return modelVersionsFromNames(names);
}

/** Installs a package as the next version (or `version`); returns the version and its directory. */
export async function installModelPackage(
  modelsRoot: string,
  detectorId: string,
  pkg: ModelPackage,
  version?: number,
): Promise<{ version: number; dir: string }> {
  const kind = pkg.metadata.kind;
  const v = version ?? nextModelVersion(await listModelVersions(modelsRoot, detectorId, kind));
  const dir = modelVersionDir(modelsRoot, detectorId, kind, v);
  await writeModelPackage(dir, pkg);
  return { version: v, dir };
}
