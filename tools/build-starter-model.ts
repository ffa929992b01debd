/**
 * Builds a detector's starter model packages (primary + OODD) from a folder of labelled images:
 *   <data>/<class name>/*.{jpg,png,webp}   (for example YES/ and NO/)
 * and installs them as the next version under $IO_HOME/models/<detector>/{primary,oodd}/<N>/ (or writes
 * them to --out <dir>/{primary,oodd}). Progress goes to stderr; a JSON summary to stdout.
 *
 *   npx tsx tools/build-starter-model.ts --detector det_x --data ./images [--mode BINARY] [--out dir] [--io-home dir]
 */
import { cp, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { VisionEngine, VisionMode } from '@intellioptics/vision';
import {
  VisionEngine as Engine,
  embedLabelledFolder,
  installModelPackage,
  trainStarterModels,
  writeModelPackage,
} from '@intellioptics/vision';

export interface BuildStarterOptions {
  detectorId: string;
  dataDir: string;
  mode?: VisionMode;
  /** Install into `<ioHome>/models/<detector>/...` as the next version (default: $IO_HOME or <repo>/.io-home). */
  ioHome?: string;
  /** Write `<out>/primary` and `<out>/oodd` instead of installing. */
  out?: string;
  l2?: number;
  engine?: VisionEngine;
  progress?: (line: string) => void;
}

export interface BuildStarterResult {
  detectorId: string;
  classNames: string[];
  examples: number;
  primary: { dir: string; version: number | null; modelId: string };
  oodd: { dir: string; version: number | null; modelId: string };
  heldOutAccuracy: number;
  heldOutExamples: number;
  trainSeconds: number;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Lays out the repo's texture tiles as a starter data folder (YES = brick, NO = grass and gravel): the
 * detector the benchmarks and the demo build from `<fixtures>/textures`.
 */
export async function stageStarterData(fixturesDir: string, dataDir: string): Promise<void> {
  const classes = [
    ['YES', ['brick']],
    ['NO', ['grass', 'gravel']],
  ] as const;
  for (const [cls, textures] of classes) {
    await mkdir(path.join(dataDir, cls), { recursive: true });
    for (const t of textures) {
      const dir = path.join(fixturesDir, 'textures', t);
      for (const f of await readdir(dir)) await cp(path.join(dir, f), path.join(dataDir, cls, `${t}-${f}`));
    }
  }
}

export async function buildStarterModel(opts: BuildStarterOptions): Promise<BuildStarterResult> {
  const say = opts.progress ?? (() => undefined);
  const engine = opts.engine ?? (await Engine.create());
  try {
    say(`embedding images from ${opts.dataDir}`);
    const data = await embedLabelledFolder(engine, opts.dataDir, (done, total) =>
      say(`  features ${done}/${total}`),
    );
    const counts = data.classNames
      .map((c, k) => `${c}=${data.labels.filter((y) => y === k).length}`)
      .join(' ');
    say(`training on ${data.features.length} images (${counts})`);
    const mode = opts.mode ?? (data.classNames.length === 2 ? 'BINARY' : 'MULTI_CLASS');
    const models = trainStarterModels(engine.backbone, engine.pipeline, data, {
      mode,
      detectorId: opts.detectorId,
      l2: opts.l2,
    });
    say(
      `trained in ${models.metrics.trainSeconds.toFixed(2)} s; held-out accuracy ${(models.metrics.heldOutAccuracy * 100).toFixed(1)}% on ${models.metrics.heldOutExamples}`,
    );
    let primary: BuildStarterResult['primary'];
    let oodd: BuildStarterResult['oodd'];
    if (opts.out) {
      const p = await writeModelPackage(path.join(opts.out, 'primary'), models.primary);
      const o = await writeModelPackage(path.join(opts.out, 'oodd'), models.oodd);
      primary = { dir: p, version: null, modelId: models.primary.modelId };
      oodd = { dir: o, version: null, modelId: models.oodd.modelId };
    } else {
      const modelsDir = path.join(
        opts.ioHome ?? process.env.IO_HOME ?? path.join(REPO_ROOT, '.io-home'),
        'models',
      );
      const p = await installModelPackage(modelsDir, opts.detectorId, models.primary);
      const o = await installModelPackage(modelsDir, opts.detectorId, models.oodd);
      primary = { dir: p.dir, version: p.version, modelId: models.primary.modelId };
      oodd = { dir: o.dir, version: o.version, modelId: models.oodd.modelId };
    }
    say(`wrote ${primary.dir} and ${oodd.dir}`);
    return {
      detectorId: opts.detectorId,
      classNames: data.classNames,
      examples: data.features.length,
      primary,
      oodd,
      heldOutAccuracy: models.metrics.heldOutAccuracy,
      heldOutExamples: models.metrics.heldOutExamples,
      trainSeconds: models.metrics.trainSeconds,
    };
  } finally {
    if (!opts.engine) await engine.release();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      detector: { type: 'string' },
      data: { type: 'string' },
      mode: { type: 'string' },
      out: { type: 'string' },
      'io-home': { type: 'string' },
      l2: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.detector || !values.data) {
    process.stderr.write(
      'usage: tsx tools/build-starter-model.ts --detector <id> --data <folder with one subfolder per class>\n' +
        '       [--mode BINARY|MULTI_CLASS|COUNT] [--out <dir>] [--io-home <dir>] [--l2 <strength>]\n',
    );
    process.exit(values.help ? 0 : 2);
  }
  const result = await buildStarterModel({
    detectorId: values.detector,
    dataDir: path.resolve(values.data),
    mode: values.mode as VisionMode | undefined,
    out: values.out ? path.resolve(values.out) : undefined,
    ioHome: values['io-home'] ? path.resolve(values['io-home']) : undefined,
    l2: values.l2 ? Number(values.l2) : undefined,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`build-starter-model: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
