/**
 * Where models live on a machine, as pure path functions (no fs here, so every service can import it):
 * `<IO_HOME>/models/<detector_id>/{primary,oodd}/<N>/` holds one model package (PACKAGE_FILES), N counting up
 * from 1; the highest complete N is served. Writers build a temp sibling (a name starting with '.') and
 * rename it into place. See docs/MODELS.md.
 */
import type { ModelKind } from './enums';

/** The files of one model package directory. */
export const PACKAGE_FILES = {
  model: 'model.buf',
  pipeline: 'pipeline_config.yaml',
  metadata: 'predictor_metadata.json',
  modelId: 'model_id.txt',
} as const;
export type PackageFile = (typeof PACKAGE_FILES)[keyof typeof PACKAGE_FILES];

/**
 * `<version dir>/from_cloud.json`, beside a package the edge downloaded from the cloud (`{"model_id", "version",
 * "installed_at"}`), written in the temp folder before the rename. Not part of the package (readers ignore it):
 * it says who owns the folder. The edge removes only marked packages when the cloud deletes or resets a
 * detector; an operator's package (built by tools/build-starter-model.ts or copied by hand, with or without
 * model_id.txt) has no marker and stays.
 */
export const CLOUD_INSTALL_MARKER = 'from_cloud.json';

/** POSIX join that keeps this module free of node:path (the review UI bundles libs/schema). */
function join(...parts: string[]): string {
  return parts
    .map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, '')))
    .filter((p, i) => i === 0 || p !== '')
    .join('/');
}

/** `<ioHome>/models` */
export function modelsRootOf(ioHome: string): string {
  return join(ioHome, 'models');
}

/** `<modelsRoot>/<detector>/<kind>` */
export function modelKindDir(modelsRoot: string, detectorId: string, kind: ModelKind): string {
  return join(modelsRoot, detectorId, kind);
}

/** `<modelsRoot>/<detector>/<kind>/<version>` */
export function modelVersionDir(
  modelsRoot: string,
  detectorId: string,
  kind: ModelKind,
  version: number,
): string {
  return join(modelKindDir(modelsRoot, detectorId, kind), String(version));
}

/** The installed versions among a kind directory's entry names, highest first (temp and other names ignored). */
export function modelVersionsFromNames(names: readonly string[]): number[] {
  return names
    .filter((n) => /^[0-9]+$/.test(n))
    .map(Number)
    .sort((a, b) => b - a);
}

/** The version an install without an explicit one gets. */
export function nextModelVersion(installed: readonly number[]): number {
  return Math.max(0, ...installed) + 1;
}

/**
 * `<modelsRoot>/<detector>/detector.json`: the detector's mode and `mode_configuration`
 * (`DetectorSpecSchema`, inference-answer.ts), written by whoever knows the detector (the edge, from the cloud
 * or edge-config.yaml). The inference service reads it to answer a detector that has no trained package with a
 * built-in model (COCO detector for COUNT / BOUNDING_BOX, OCR for TEXT).
 */
export const DETECTOR_SPEC_FILE = 'detector.json';

/** `<modelsRoot>/<detector>/detector.json` */
export function detectorSpecPath(modelsRoot: string, detectorId: string): string {
  return join(modelsRoot, detectorId, DETECTOR_SPEC_FILE);
}
