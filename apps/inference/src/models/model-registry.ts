/**
 * The on-disk model store (layout: libs/schema model-store.ts): `$IO_HOME/models/<detector>/{primary,oodd}/<N>/`. All I/O is async; it is only
 * touched when a detector is first loaded and by the background version check, never per answered request.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { modelVersionDir, PACKAGE_FILES } from '@intellioptics/schema';
import type { ModelKind, ModelPackage } from '@intellioptics/vision';
import { listModelVersions, readModelPackage } from '@intellioptics/vision';

export class ModelRegistry {
  constructor(readonly modelsDir: string) {}

  listVersions(detectorId: string, kind: ModelKind): Promise<number[]> {
    return listModelVersions(this.modelsDir, detectorId, kind);
  }

  versionDir(detectorId: string, kind: ModelKind, version: number): string {
    return modelVersionDir(this.modelsDir, detectorId, kind, version);
  }

  read(detectorId: string, kind: ModelKind, version: number): Promise<ModelPackage> {
    return readModelPackage(this.versionDir(detectorId, kind, version));
  }

  /** The version's folder is still in the store. */
  async exists(detectorId: string, kind: ModelKind, version: number): Promise<boolean> {
    try {
      return (await stat(this.versionDir(detectorId, kind, version))).isDirectory();
    } catch {
      return false;
    }
  }

  /** Size+mtime of the package files: a refused version is retried only when this changes. */
  async fingerprint(detectorId: string, kind: ModelKind, version: number): Promise<string> {
    const dir = this.versionDir(detectorId, kind, version);
    const parts = await Promise.all(
      Object.values(PACKAGE_FILES).map(async (f) => {
        try {
          const s = await stat(path.join(dir, f));
          return `${f}:${s.size}:${s.mtimeMs}`;
        } catch {
          return `${f}:missing`;
        }
      }),
    );
    return parts.join('|');
  }
}
