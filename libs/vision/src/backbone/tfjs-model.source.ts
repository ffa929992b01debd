/**
 * Reads the TF.js graph model that nsfwjs@4.4.0 ships (MobileNetV2-1.4 224, uint8-quantized). The files are
 * UMD bundles and the package's `exports` map blocks deep imports, so we locate the folder on disk and
 * evaluate each bundle in an empty VM context to get its export (model JSON or a base64 weight string).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export interface TfjsNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfjsAttr>;
}

export interface TfjsAttr {
  s?: string;
  i?: string;
  f?: number;
  b?: boolean;
  list?: { i?: string[]; s?: string[] };
  shape?: unknown;
  type?: string;
  tensor?: unknown;
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min?: number; scale?: number; dtype: string };
}

export interface TfjsGraphModelJson {
  format: string;
  modelTopology: { node: TfjsNode[]; [k: string]: unknown };
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
  [k: string]: unknown;
}

export interface TfjsModelSource {
  model: TfjsGraphModelJson;
  weightSpecs: TfjsWeightSpec[];
  /** Raw (still quantized) weight bytes, shards concatenated in manifest order. */
  weightData: Uint8Array;
  /** sha256 over the source files, so a changed package invalidates the converted cache. */
  sourceSha256: string;
  packageVersion: string;
}

export const NSFWJS_MODEL_DIR = 'dist/models/mobilenet_v2_mid';

function nsfwjsPackageDir(): string {
  const require = createRequire(import.meta.url);
  // `require.resolve('nsfwjs')` returns dist/cjs/index.js; walk up to the package root.
  let dir = path.dirname(require.resolve('nsfwjs'));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, NSFWJS_MODEL_DIR))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('nsfwjs package folder not found (is nsfwjs@4.4.0 installed?)');
    dir = parent;
  }
  return dir;
}

function evalUmd(source: string): unknown {
  const module = { exports: {} as unknown };
  vm.runInNewContext(source, { module, exports: module.exports }, { timeout: 30_000 });
  return module.exports;
}

/** A TF.js graph model stored as plain files: `<name>.json` plus the binary shards its manifest names. */
export async function readTfjsGraphFiles(jsonPath: string, packageVersion: string): Promise<TfjsModelSource> {
  const hash = createHash('sha256');
  const text = await readFile(jsonPath, 'utf8');
  hash.update(text);
  const model = JSON.parse(text) as TfjsGraphModelJson;
  const specs: TfjsWeightSpec[] = [];
  const shards: Uint8Array[] = [];
  for (const group of model.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const bytes = await readFile(path.join(path.dirname(jsonPath), p));
      hash.update(bytes);
      shards.push(bytes);
    }
  }
  return {
    model,
    weightSpecs: specs,
    weightData: new Uint8Array(Buffer.concat(shards)),
    sourceSha256: hash.digest('hex'),
    packageVersion,
  };
}

export async function readTfjsModelSource(): Promise<TfjsModelSource> {
  const pkgDir = nsfwjsPackageDir();
  const dir = path.join(pkgDir, NSFWJS_MODEL_DIR);
  const pkg = JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const hash = createHash('sha256');
  const modelSrc = await readFile(path.join(dir, 'model.min.js'), 'utf8');
  hash.update(modelSrc);
  const model = evalUmd(modelSrc) as TfjsGraphModelJson;
  const group = model.weightsManifest[0];
  if (!group || model.weightsManifest.length !== 1) throw new Error('unexpected weights manifest layout');
  const shards: Uint8Array[] = [];
  for (const p of group.paths) {
    const src = await readFile(path.join(dir, `${p}.min.js`), 'utf8');
    hash.update(src);
    const b64 = evalUmd(src);
    if (typeof b64 !== 'string') throw new Error(`weight shard ${p} is not a base64 string`);
    shards.push(Buffer.from(b64, 'base64'));
  }
  const weightData = new Uint8Array(Buffer.concat(shards));
  return {
    model,
    weightSpecs: group.weights,
    weightData,
    sourceSha256: hash.digest('hex'),
    packageVersion: pkg.version,
  };
}

/** IEEE 754 binary16 → number, as tfjs-core decodes float16-quantized weights. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Dequantizes every weight exactly as tfjs-core's `decodeWeights` does (uint8: q·scale + min; float16: widened),
 * stored as float32; int32 constants (shapes, axes) become float32 too.
 */
export function decodeWeights(
  specs: TfjsWeightSpec[],
  data: Uint8Array,
): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    let values: Float32Array;
    if (q?.dtype === 'float16') {
      values = new Float32Array(size);
      const view = new DataView(data.buffer, data.byteOffset + offset, size * 2);
      for (let i = 0; i < size; i++) values[i] = halfToFloat(view.getUint16(i * 2, true));
      offset += size * 2;
    } else if (!q && spec.dtype === 'int32') {
      // Shape and axis constants; small integers are exact in float32.
      values = Float32Array.from(new Int32Array(data.slice(offset, offset + size * 4).buffer));
      offset += size * 4;
    } else if (q?.dtype === 'uint8') {
      const bytes = data.subarray(offset, offset + size);
      values = new Float32Array(size);
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < size; i++) values[i] = bytes[i]! * scale + min;
      offset += size;
    } else if (!q && spec.dtype === 'float32') {
      values = new Float32Array(data.slice(offset, offset + size * 4).buffer);
      offset += size * 4;
    } else {
      throw new Error(`unsupported weight encoding for ${spec.name}: ${JSON.stringify(q ?? spec.dtype)}`);
    }
    out.set(spec.name, { shape: spec.shape, values });
  }
  if (offset !== data.length)
    throw new Error(`weight data size mismatch: used ${offset} of ${data.length} bytes`);
  return out;
}
