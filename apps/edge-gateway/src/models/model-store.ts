/**
 * The installed-model layout under `$IO_HOME/models`: `<detector>/<primary|oodd>/<N>/` holding one package
 * (model.buf, pipeline_config.yaml, predictor_metadata.json, model_id.txt). apps/inference reads the same
 * layout and serves the highest N that loads.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelKind } from '@intellioptics/schema';

export const MODEL_KINDS: readonly ModelKind[] = ['primary', 'oodd'];

export class ModelStore {
  constructor(readonly root: string) {}

  kindDir(detectorId: string, kind: ModelKind): string {
    return join(this.root, detectorId, kind);
  }

  versionDir(detectorId: string, kind: ModelKind, version: number): string {
    return join(this.kindDir(detectorId, kind), String(version));
  }

  /** Installed version numbers, newest first. */
  async versions(detectorId: string, kind: ModelKind): Promise<number[]> {
    try {
      const names = await readdir(this.kindDir(detectorId, kind));
      return names
        .filter((n) => /^\d+$/.test(n))
        .map(Number)
        .sort((a, b) => b - a);
    } catch {
      return [];
    }
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
      return (
        await readFile(join(this.versionDir(detectorId, kind, version), 'model_id.txt'), 'utf8')
      ).trim();
    } catch {
      return null;
    }
  }
}
