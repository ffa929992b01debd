/** Shared setup for the inference tests: real starter models trained on the vision fixtures. */
import { cp, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { VisionEngine } from '@intellioptics/vision';
import { buildStarterModel } from '../../../tools/build-starter-model';
import { FIXTURES, isTrainTile, textureFiles } from '@intellioptics/vision/test-fixtures';

export { FIXTURES };
export const fixture = (rel: string): Promise<Buffer> => readFile(path.join(FIXTURES, rel));

/** A labelled folder: YES = `yes` textures, NO = the others; only training tiles (0..7). */
export async function makeDataset(
  root: string,
  classes: Record<string, readonly ('brick' | 'grass' | 'gravel')[]>,
): Promise<string> {
  const dir = await mkdtemp(path.join(root, 'data-'));
  for (const [cls, textures] of Object.entries(classes)) {
    await mkdir(path.join(dir, cls), { recursive: true });
    for (const t of textures)
      for (const f of (await textureFiles(t)).filter(isTrainTile))
        await cp(f, path.join(dir, cls, `${t}-${path.basename(f)}`));
  }
  return dir;
}

/** Trains once into `<root>/pkg-<name>/{primary,oodd}` (not installed): tests copy them where needed. */
export async function trainPackages(
  engine: VisionEngine,
  root: string,
  name: string,
  classes: Record<string, readonly ('brick' | 'grass' | 'gravel')[]>,
  l2?: number,
): Promise<string> {
  const out = path.join(root, `pkg-${name}`);
  await buildStarterModel({ detectorId: name, dataDir: await makeDataset(root, classes), out, engine, l2 });
  return out;
}

/** Installs a trained package pair as version `n` of a detector (write to a temp name, then rename). */
export async function installAs(
  pkgDir: string,
  modelsDir: string,
  detectorId: string,
  n: number,
  kinds = ['primary', 'oodd'],
): Promise<void> {
  for (const kind of kinds) {
    const target = path.join(modelsDir, detectorId, kind, String(n));
    await mkdir(path.dirname(target), { recursive: true });
    await cp(path.join(pkgDir, kind), target, { recursive: true });
  }
}

export async function corruptModel(dir: string): Promise<void> {
  const file = path.join(dir, 'model.buf');
  const bytes = await readFile(file);
  bytes[Math.floor(bytes.length / 2)] = bytes[Math.floor(bytes.length / 2)]! ^ 0xff;
  await writeFile(file, bytes);
}

export async function tmpRoot(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'io-inference-'));
}

/** A pino logger whose JSON lines are kept for assertions. */
export function memoryLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  return {
    logger: pino({ level: 'info' }, stream),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export async function listFiles(dir: string): Promise<string[]> {
  return readdir(dir);
}
