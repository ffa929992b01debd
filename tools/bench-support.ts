/**
 * What the Fashion-MNIST benches (bench-learning, bench-escalation) share: the repo root, stderr progress,
 * markdown tables and the backbone features of a grey image set, cached on disk so a rerun skips the ONNX pass.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFashionMnist, greyPng, type GreyImageSet } from '@intellioptics/learning/datasets';
import { VisionEngine } from '@intellioptics/vision';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Progress goes to stderr, so stdout holds only the tables. */
export const log = (line: string): void => void process.stderr.write(`${line}\n`);

export const pct = (v: number, d = 1): string => (Number.isFinite(v) ? `${(100 * v).toFixed(d)}%` : 'n/a');
export const num = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** A markdown table, columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * The pooled backbone features of every image of `set` (28×28 grey → PNG → the engine's pipeline), read from
 * `<cache.dir>/<cache.name>-<key>.f32` when there, else embedded and written there. The key hashes the backbone's
 * sha256 and the image ids, so another backbone or another selection never reads stale features.
 */
export async function cachedGreyFeatures(
  engine: VisionEngine,
  set: GreyImageSet,
  cache: { dir: string; name: string },
): Promise<Float32Array[]> {
  const { name } = cache;
  const dim = engine.backbone.featureDim;
  const key = createHash('sha256')
    .update(`${engine.backbone.sha256}|${set.ids.join(',')}`)
    .digest('hex')
    .slice(0, 16);
  const file = path.join(cache.dir, `${name}-${key}.f32`);
  const rows = (all: Float32Array): Float32Array[] =>
    set.ids.map((_, i) => all.slice(i * dim, (i + 1) * dim));
  if (existsSync(file)) {
    const buf = await readFile(file);
    const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    if (all.length === set.ids.length * dim) {
      log(`features ${name}: ${set.ids.length} from cache ${path.relative(REPO, file)}`);
      return rows(all);
    }
  }
  const all = new Float32Array(set.ids.length * dim);
  const t0 = performance.now();
  const batch = 32;
  for (let i = 0; i < set.grey.length; i += batch) {
    const pngs = await Promise.all(set.grey.slice(i, i + batch).map(greyPng));
    (await engine.embed(pngs)).features.forEach((f, j) => all.set(f, (i + j) * dim));
    const done = Math.min(i + batch, set.grey.length);
    if ((i / batch) % 10 === 0 || done === set.grey.length) {
      const ms = (performance.now() - t0) / done;
      log(`features ${name}: ${done}/${set.grey.length} (${ms.toFixed(1)} ms/image)`);
    }
  }
  await mkdir(cache.dir, { recursive: true });
  await writeFile(file, new Uint8Array(all.buffer));
  return rows(all);
}

/** The Fashion-MNIST benches start alike: the dataset (Debian's package) checked, then the backbone loaded. */
export async function openFashionBench(): Promise<{
  engine: VisionEngine;
  backbone: VisionEngine['backbone'] & { featureDim: number };
}> {
  ensureFashionMnist(log);
  log(`loading the backbone (${os.cpus().length} cores)`);
  const engine = await VisionEngine.create();
  return { engine, backbone: { ...engine.backbone, featureDim: engine.backbone.featureDim } };
}
