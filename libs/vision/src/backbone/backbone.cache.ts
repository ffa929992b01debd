/**
 * The converted backbone is generated on first use into a cache folder and never committed (17 MB).
 * Cache key: sha256 of the nsfwjs source files + converter version. A sidecar JSON records the sha256 of the
 * converted bytes; a file whose bytes do not match it is regenerated (half-written or tampered cache).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BACKBONE_INPUT,
  BACKBONE_OUTPUT,
  FEATURE_DIM,
  FEATURE_MAP_OUTPUT,
  FEATURE_MAP_SIZE,
  INPUT_SIZE,
  convertBackbone,
} from './backbone.converter';
import { readTfjsModelSource } from './tfjs-model.source';

/** Bump when the converter's output changes, so old caches are not reused. */
export const CONVERTER_VERSION = 2; // 2: second output, the 7×7 feature map before pooling

export interface BackboneInfo {
  /** Stable id of the backbone a head was trained on; heads record it with `sha256`. */
  id: string;
  sha256: string;
  featureDim: number;
  inputName: string;
  outputName: string;
  /** The spatial features before pooling, NCHW [N, featureDim, featureMapSize, featureMapSize]. */
  featureMapName: string;
  featureMapSize: number;
  inputSize: number;
  /** NCHW float input in [0,1]. */
  layout: 'NCHW';
  /** fp32 when absent. */
  precision?: BackbonePrecision;
  /** sha256 of the fp32 backbone whose features this one approximates (int8): its heads load here too. */
  approximates?: string;
}

export type BackbonePrecision = 'fp32' | 'int8';

export interface BackboneArtifact {
  info: BackboneInfo;
  path: string;
  bytes: Uint8Array;
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

export function defaultCacheDir(): string {
  if (process.env.IO_CACHE_DIR) return path.resolve(process.env.IO_CACHE_DIR);
  // libs/vision/src/backbone → repo root
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '../../../../.cache/vision');
}

const inflight = new Map<string, Promise<BackboneArtifact>>();

/** Returns the converted backbone, converting (about a second) only when the cache is missing or stale. */
export function loadBackboneArtifact(cacheDir = defaultCacheDir()): Promise<BackboneArtifact> {
  let p = inflight.get(cacheDir);
  if (!p) {
    p = loadOrConvert(cacheDir);
    inflight.set(cacheDir, p);
    p.catch(() => inflight.delete(cacheDir));
  }
  return p;
}

async function loadOrConvert(cacheDir: string): Promise<BackboneArtifact> {
  const source = await readTfjsModelSource();
  const key = sha256(`${source.sourceSha256}:${CONVERTER_VERSION}`).slice(0, 16);
  const file = path.join(cacheDir, `mobilenet_v2_mid-nchw-${key}.onnx`);
  const metaFile = `${file}.json`;
  const id = `nsfwjs@${source.packageVersion}/mobilenet_v2_mid/feature_vector/nchw-v${CONVERTER_VERSION}`;
  try {
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as BackboneInfo;
    const bytes = new Uint8Array(await readFile(file));
    if (sha256(bytes) === meta.sha256 && meta.id === id) return { info: meta, path: file, bytes };
  } catch {
    // missing or unreadable cache: convert below
  }
  const bytes = convertBackbone(source);
  const info: BackboneInfo = {
    id,
    sha256: sha256(bytes),
    featureDim: FEATURE_DIM,
    inputName: BACKBONE_INPUT,
    outputName: BACKBONE_OUTPUT,
    featureMapName: FEATURE_MAP_OUTPUT,
    featureMapSize: FEATURE_MAP_SIZE,
    inputSize: INPUT_SIZE,
    layout: 'NCHW',
  };
  await mkdir(cacheDir, { recursive: true });
  // Write-then-rename so concurrent processes never see a half-written file.
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
  await writeFile(`${metaFile}.${process.pid}.tmp`, JSON.stringify(info, null, 2));
  await rename(`${metaFile}.${process.pid}.tmp`, metaFile);
  return { info, path: file, bytes };
}
