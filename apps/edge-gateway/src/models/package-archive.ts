/**
 * The wire format of a model package blob (what `model_binary_url` serves): an uncompressed POSIX tar
 * (optionally gzip'd) of the package files — `model.buf`, `pipeline_config.yaml`, `predictor_metadata.json`
 * and optionally `model_id.txt` (docs/MODELS.md) — or a JSON bundle `{"files": {"<name>": "<base64>"}}`.
 * Paths inside the archive are reduced to their base name. A bare `model.buf` (ONNX) is accepted too when
 * the cloud's EdgeModelInfo carries the other two files (`pipeline_config` and the package's
 * `predictor_metadata`), as the reference edge's EdgeModelInfo does.
 */
import { gunzipSync } from 'node:zlib';
import { PACKAGE_FILES } from '@intellioptics/schema';

const REQUIRED_FILES = [PACKAGE_FILES.model, PACKAGE_FILES.pipeline, PACKAGE_FILES.metadata] as const;
const KNOWN_FILES = new Set<string>(Object.values(PACKAGE_FILES));

export type PackageFiles = Map<string, Buffer>;

export interface PackageSidecar {
  pipelineConfig: string | null;
  predictorMetadata: Record<string, unknown> | null;
}

export function unpackModelPackage(
  blob: Buffer,
  sidecar: PackageSidecar = { pipelineConfig: null, predictorMetadata: null },
): { ok: true; files: PackageFiles } | { ok: false; error: string } {
  let data = blob;
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = gunzipSync(data);
    } catch (e) {
      return { ok: false, error: `gzip: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  let files: PackageFiles;
  const first = data.subarray(0, 64).toString('utf8').trimStart();
  if (first.startsWith('{')) {
    try {
      const json = JSON.parse(data.toString('utf8')) as { files?: Record<string, unknown> };
      files = new Map();
      for (const [name, value] of Object.entries(json.files ?? {})) {
        if (typeof value === 'string') files.set(base(name), Buffer.from(value, 'base64'));
      }
    } catch (e) {
      return { ok: false, error: `JSON bundle: ${e instanceof Error ? e.message : String(e)}` };
    }
  } else if (isTar(data)) {
    const r = readTar(data);
    if (!r.ok) return r;
    files = r.files;
  } else {
    // A bare model.buf: the other files must come with the model info.
    if (!sidecar.pipelineConfig || !sidecar.predictorMetadata) {
      return {
        ok: false,
        error:
          'the blob is a bare model.buf and the cloud sent no pipeline_config / predictor_metadata to go with it',
      };
    }
    files = new Map([
      [PACKAGE_FILES.model, data],
      [PACKAGE_FILES.pipeline, Buffer.from(sidecar.pipelineConfig)],
      [PACKAGE_FILES.metadata, Buffer.from(`${JSON.stringify(sidecar.predictorMetadata, null, 2)}\n`)],
    ]);
  }
  for (const name of [...files.keys()]) if (!KNOWN_FILES.has(name)) files.delete(name);
  const missing = REQUIRED_FILES.filter((f) => !files.has(f));
  if (missing.length) return { ok: false, error: `the package lacks ${missing.join(', ')}` };
  return { ok: true, files };
}

function base(name: string): string {
  return name.split('/').filter(Boolean).pop() ?? name;
}

function isTar(data: Buffer): boolean {
  return data.length >= 512 && data.subarray(257, 262).toString('ascii') === 'ustar';
}

function readTar(data: Buffer): { ok: true; files: PackageFiles } | { ok: false; error: string } {
  const files: PackageFiles = new Map();
  let off = 0;
  while (off + 512 <= data.length) {
    const header = data.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const magic = header.subarray(257, 262).toString('ascii');
    if (magic !== 'ustar') return { ok: false, error: 'not a tar archive (no ustar magic)' };
    const name = cstr(header.subarray(0, 100));
    const prefix = cstr(header.subarray(345, 500));
    const size = parseInt(cstr(header.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    if (!Number.isFinite(size) || size < 0) return { ok: false, error: `bad size for ${name}` };
    const start = off + 512;
    if (start + size > data.length) return { ok: false, error: `the archive is truncated inside ${name}` };
    if (type === '0' || type === '\0') {
      files.set(base(prefix ? `${prefix}/${name}` : name), Buffer.from(data.subarray(start, start + size)));
    }
    off = start + Math.ceil(size / 512) * 512;
  }
  return { ok: true, files };
}

function cstr(b: Buffer): string {
  const z = b.indexOf(0);
  return b.subarray(0, z === -1 ? b.length : z).toString('utf8');
}

/** A ustar archive of `files` (used to publish packages in tests and tools). */
export function packModelPackage(files: Iterable<[string, Buffer]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of files) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100, 'utf8');
    h.write('0000644\0', 100, 'ascii');
    h.write('0000000\0', 108, 'ascii');
    h.write('0000000\0', 116, 'ascii');
    h.write(content.length.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
    h.write(
      Math.floor(Date.now() / 1000)
        .toString(8)
        .padStart(11, '0') + '\0',
      136,
      'ascii',
    );
    h.write('        ', 148, 'ascii');
    h[156] = 0x30;
    h.write('ustar\0', 257, 'ascii');
    h.write('00', 263, 'ascii');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    parts.push(h, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
