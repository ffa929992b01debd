/**
 * Models converted at first use (the detector, the int8 backbone) are cached in the same folder as the backbone,
 * keyed by the source files' sha256 and the converter version, and checked against a pinned sha256 of the
 * converted bytes: conversion is deterministic, so a mismatch means a changed package or converter and is refused
 * rather than served.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ConvertedModel {
  path: string;
  bytes: Uint8Array;
  sha256: string;
}

export interface ConvertedModelSpec {
  cacheDir: string;
  /** File name stem in the cache folder. */
  stem: string;
  sourceSha256: string;
  converterVersion: number;
  /** Expected sha256 of the converted bytes; null when the bytes depend on run-time inputs (calibration). */
  pinnedSha256: string | null;
  convert: () => Uint8Array | Promise<Uint8Array>;
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

const inflight = new Map<string, Promise<ConvertedModel>>();

export function loadConvertedModel(spec: ConvertedModelSpec): Promise<ConvertedModel> {
  const key = sha256(`${spec.sourceSha256}:${spec.converterVersion}`).slice(0, 16);
  const file = path.join(spec.cacheDir, `${spec.stem}-${key}.onnx`);
  let p = inflight.get(file);
  if (!p) {
    p = loadOrConvert(spec, file);
    inflight.set(file, p);
    p.catch(() => inflight.delete(file));
  }
  return p;
}

async function loadOrConvert(spec: ConvertedModelSpec, file: string): Promise<ConvertedModel> {
  try {
    const bytes = new Uint8Array(await readFile(file));
    const digest = sha256(bytes);
    const recorded = (await readFile(`${file}.sha256`, 'utf8')).trim();
    if (digest === recorded && (spec.pinnedSha256 === null || digest === spec.pinnedSha256))
      return { path: file, bytes, sha256: digest };
  } catch {
    // missing or unreadable cache: convert below
  }
  const bytes = await spec.convert();
  const digest = sha256(bytes);
  if (spec.pinnedSha256 !== null && digest !== spec.pinnedSha256)
    throw new Error(
      `${spec.stem}: converted model sha256 ${digest} differs from the pinned ${spec.pinnedSha256} (package or converter changed)`,
    );
  await mkdir(spec.cacheDir, { recursive: true });
  // Write-then-rename so concurrent processes never see a half-written file.
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
  await writeFile(`${tmp}.sha`, digest);
  await rename(`${tmp}.sha`, `${file}.sha256`);
  return { path: file, bytes, sha256: digest };
}
