/**
 * Image build step (inference and cloud-graph targets of docker/Dockerfile): converts the vision backbone to
 * ONNX once, into IO_CACHE_DIR, so a container serves within seconds instead of converting at its first start.
 *   node --import tsx docker/prepare-backbone.ts
 */
import { defaultCacheDir, loadBackboneArtifact } from '@intellioptics/vision';

const dir = defaultCacheDir();
const started = Date.now();
const artifact = await loadBackboneArtifact(dir);
console.log(
  `backbone ready in ${dir}: ${artifact.bytes.length} bytes, ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
