/**
 * Converts every model the edge serves into the cache at once (fp32 and int8 backbone, COCO detector), so a
 * container built with it starts serving in seconds: `npm run prepare-models -w libs/vision` in a Dockerfile,
 * with `IO_CACHE_DIR` pointing where the runtime reads. The OCR models need no conversion.
 */
import { defaultCacheDir, loadBackboneArtifact } from './backbone/backbone.cache';
import { loadInt8BackboneArtifact } from './backbone/int8-backbone';
import { loadCenternetModel } from './detector/centernet.model';

export interface PreparedModel {
  name: string;
  sha256: string;
  path: string;
  ms: number;
}

export async function prepareVisionModels(cacheDir = defaultCacheDir()): Promise<PreparedModel[]> {
  const out: PreparedModel[] = [];
  const step = async (name: string, load: () => Promise<{ sha256: string; path: string }>): Promise<void> => {
    const t = performance.now();
    const m = await load();
    out.push({ name, sha256: m.sha256, path: m.path, ms: performance.now() - t });
  };
  await step('backbone fp32', async () => {
    const a = await loadBackboneArtifact(cacheDir);
    return { sha256: a.info.sha256, path: a.path };
  });
  await step('backbone int8', async () => {
    const a = await loadInt8BackboneArtifact(cacheDir);
    return { sha256: a.info.sha256, path: a.path };
  });
  await step('coco detector', () => loadCenternetModel(cacheDir));
  return out;
}
