/**
 * The installed models on this machine, in libs/schema's model-store layout
 * (`$IO_HOME/models/<detector>/<primary|oodd>/<N>/`, one package each; apps/inference serves the highest N
 * that loads). The layout is schema's; this adds the file-system reads the edge needs.
 */
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import {
  CLOUD_INSTALL_MARKER,
  PACKAGE_FILES,
  modelKindDir,
  modelVersionDir,
  modelVersionsFromNames,
  nextModelVersion,
  type ModelKind,
} from '@intellioptics/schema';

export const MODEL_KINDS: readonly ModelKind[] = ['primary', 'oodd'];

export class ModelStore {
  constructor(readonly root: string) {}

  kindDir(detectorId: string, kind: ModelKind): string {
    return modelKindDir(this.root, detectorId, kind);
  }

  versionDir(detectorId: string, kind: ModelKind, version: number): string {
    return modelVersionDir(this.root, detectorId, kind, version);
  }

  /** Installed version numbers, newest first. */
  async versions(detectorId: string, kind: ModelKind): Promise<number[]> {
    try {
      return modelVersionsFromNames(await readdir(this.kindDir(detectorId, kind)));
    } catch {
      return [];
    }
  }

  /** The number a new install gets: the cloud's version when it is newer than what is here, else the next. */
  async nextVersion(detectorId: string, kind: ModelKind, cloudVersion: number | null): Promise<number> {
    const installed = await this.versions(detectorId, kind);
    return cloudVersion !== null && cloudVersion > (installed[0] ?? 0)
      ? cloudVersion
      : nextModelVersion(installed);
  }

  /** A primary model is installed (the detector can be answered at the edge). */
  async hasModel(detectorId: string): Promise<boolean> {
    return (await this.versions(detectorId, 'primary')).length > 0;
  }

  async detectorIds(): Promise<string[]> {
    try {
      return await readdir(this.root);
    } catch {
      return [];
    }
  }

  /** The cloud's model version id of an installed version (model_id.txt), null for a locally built one. */
  async modelId(detectorId: string, kind: ModelKind, version: number): Promise<string | null> {
    try {
      const file = `${this.versionDir(detectorId, kind, version)}/${PACKAGE_FILES.modelId}`;
      return (await readFile(file, 'utf8')).trim();
    } catch {
      return null;
    }
  }

  /** The version was installed from the cloud (it holds the edge's from_cloud.json marker). */
  async isCloudInstall(detectorId: string, kind: ModelKind, version: number): Promise<boolean> {
    try {
      return (await stat(`${this.versionDir(detectorId, kind, version)}/${CLOUD_INSTALL_MARKER}`)).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Removes the versions of `kinds` that came from the cloud (they hold the from_cloud.json marker, which only
   * the model updater writes); a package an operator put here stays, model_id.txt or not (libs/vision's writer
   * and tools/build-starter-model.ts always write model_id.txt). Returns the versions removed, newest first.
   */
  async removeCloudVersions(
    detectorId: string,
    kinds: readonly ModelKind[] = MODEL_KINDS,
  ): Promise<number[]> {
    const removed: number[] = [];
    for (const kind of kinds) {
      for (const version of await this.versions(detectorId, kind)) {
        if (!(await this.isCloudInstall(detectorId, kind, version))) continue;
        await rm(this.versionDir(detectorId, kind, version), { recursive: true, force: true });
        removed.push(version);
      }
    }
    return removed;
  }
}
