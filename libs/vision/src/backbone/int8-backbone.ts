/**
 * The int8 backbone: the fp32 backbone quantised (int8-quantizer.ts) with activation ranges measured on the
 * images in libs/vision/calibration, built at first use (seconds) and cached. Its bytes depend on onnxruntime's
 * float results during calibration, so it is keyed by the fp32 sha256, the calibration images' sha256, the
 * quantiser version and the weight encoding this CPU needs (int8-quantizer.ts weightsFor), not pinned. It
 * approximates the fp32 features (README "int8 backbone" has the agreement), so heads trained on the fp32
 * backbone load on it.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { preprocessImage } from '../preprocess/image.preprocess';
import type { BackboneArtifact } from './backbone.cache';
import { loadBackboneArtifact } from './backbone.cache';
import { loadConvertedModel } from './converted-model.cache';
import { quantizeBackbone, weightsFor, type WeightEncoding } from './int8-quantizer';

/** Bump when the quantiser's output changes. */
export const QUANTIZER_VERSION = 1;

export function calibrationDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../calibration');
}

/** This machine's /proc/cpuinfo flags (the first CPU's), null where there is none. */
async function cpuFlags(): Promise<string | null> {
  try {
    return /^flags\s*:(.*)$/m.exec(await readFile('/proc/cpuinfo', 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

export async function loadInt8BackboneArtifact(
  cacheDir: string,
  weights?: WeightEncoding,
): Promise<BackboneArtifact> {
  const encoding = weights ?? weightsFor(await cpuFlags());
  const fp32 = await loadBackboneArtifact(cacheDir);
  const dir = calibrationDir();
  const files = (await readdir(dir)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  const images = await Promise.all(files.map((f) => readFile(path.join(dir, f))));
  const hash = createHash('sha256');
  images.forEach((b) => hash.update(b));
  const model = await loadConvertedModel({
    cacheDir,
    stem: 'mobilenet_v2_mid-int8',
    sourceSha256: `${fp32.info.sha256}:${hash.digest('hex')}:${encoding}`,
    converterVersion: QUANTIZER_VERSION,
    pinnedSha256: null,
    convert: async () => {
      const calibration = await Promise.all(images.map(async (b) => (await preprocessImage(b)).tensor));
      const s = fp32.info.inputSize;
      return quantizeBackbone(fp32.bytes, {
        calibration,
        inputName: fp32.info.inputName,
        inputDims: [3, s, s],
        weights: encoding,
      });
    },
  });
  return {
    info: {
      ...fp32.info,
      id: `${fp32.info.id}/int8-v${QUANTIZER_VERSION}`,
      sha256: model.sha256,
      precision: 'int8',
      approximates: fp32.info.sha256,
    },
    path: model.path,
    bytes: model.bytes,
  };
}
