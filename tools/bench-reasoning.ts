/**
 * Linear head vs recursive reasoning head (#15) on the same labels and held-out data. `npm run bench:reasoning`
 *
 * Every image goes through the real pipeline (PNG → preprocess 224 RGB → ONNX backbone); the pooled 1792-d vector
 * feeds the linear head (trainCandidate, as the training worker ships it), the 7×7 map before pooling feeds the
 * recursive head. Features are cached on disk under .cache/reasoning (keyed by backbone sha256 and image ids).
 *   (a) simple: Fashion-MNIST "is it footwear?" at 50 / 200 / 1,000 labels, 1,000 test images (t10k).
 *   (b) compositional: a 56×56 canvas with one bag and one shoe (sandal, sneaker or ankle boot) side by side at
 *       random heights, "is the bag left of the shoe?", at 200 / 1,000 labels, 1,000 test canvases built from t10k
 *       items only. The pooled vector barely sees the order of the two items.
 * Both heads get the same labels; each keeps 20% of them for its own calibration (trainCandidate's held-out split,
 * a stratified 20% for the recursive head's temperature). Tables on stdout, progress on stderr.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainCandidate, type LabelledExample } from '@intellioptics/learning';
import {
  bagLeftOfShoe as bagLeftOfShoeSet,
  ensureFashionMnist,
  fashionMnist,
  FOOTWEAR_CLASSES,
  greyPng,
  seededSample,
} from '@intellioptics/learning/datasets';
import { stratifiedSplit, VisionEngine } from '@intellioptics/vision';
import {
  calibrateRecursiveHead,
  fitTokenProjection,
  parameterCount,
  predictRecursive,
  projectTokens,
  trainRecursiveHead,
} from '@intellioptics/vision';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(REPO, '.cache', 'reasoning');
const THRESHOLD = 0.9;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface ImageSet {
  name: string;
  ids: string[];
  png: () => Promise<Buffer[]>;
  /** 0 = YES, 1 = NO (the binary detector's class order). */
  labels: number[];
}

interface Spatial {
  pooled: Float32Array[];
  maps: Float32Array[];
}

// ---------------------------------------------------------------- data

async function spatialFeatures(engine: VisionEngine, set: ImageSet): Promise<Spatial> {
  const { featureDim: dim, featureMapSize: size } = engine.backbone;
  const per = dim + dim * size * size;
  const key = createHash('sha256')
    .update(`${engine.backbone.sha256}|${set.ids.join(',')}`)
    .digest('hex')
    .slice(0, 16);
  const file = path.join(CACHE, `${set.name}-${key}.f32`);
  const split = (all: Float32Array): Spatial => ({
    pooled: set.ids.map((_, i) => all.slice(i * per, i * per + dim)),
    maps: set.ids.map((_, i) => all.slice(i * per + dim, (i + 1) * per)),
  });
  if (existsSync(file)) {
    const buf = await readFile(file);
    if (buf.byteLength === set.ids.length * per * 4) {
      log(`features ${set.name}: ${set.ids.length} from cache ${path.relative(REPO, file)}`);
      return split(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4));
    }
  }
  const pngs = await set.png();
  const all = new Float32Array(set.ids.length * per);
  const t0 = performance.now();
  const batch = 16;
  for (let i = 0; i < pngs.length; i += batch) {
    const tensors = await Promise.all(pngs.slice(i, i + batch).map((b) => engine.preprocess(b)));
    const out = await engine.embedSpatialTensors(tensors);
    out.forEach((f, j) => {
      all.set(f.pooled, (i + j) * per);
      all.set(f.map, (i + j) * per + dim);
    });
    if ((i / batch) % 20 === 0 || i + batch >= pngs.length)
      log(
        `features ${set.name}: ${Math.min(i + batch, pngs.length)}/${pngs.length} (${((performance.now() - t0) / (i + batch)).toFixed(1)} ms/image)`,
      );
  }
  await mkdir(CACHE, { recursive: true });
  await writeFile(file, new Uint8Array(all.buffer));
  return split(all);
}

async function simpleSet(
  split: 'train' | 't10k',
  count: number,
  seed: number,
  name: string,
): Promise<ImageSet> {
  const idx = seededSample(split === 'train' ? 60_000 : 10_000, count, seed);
  const set = await fashionMnist(split, idx);
  return {
    name,
    ids: set.ids,
    png: () => Promise.all(set.grey.map(greyPng)),
    labels: set.classes.map((c) => (FOOTWEAR_CLASSES.has(c) ? 0 : 1)),
  };
}

// ---------------------------------------------------------------- metrics

interface Scored {
  accuracy: number;
  ece: number;
  /** Largest share of the test set, most confident first, answered at ≥ 99% accuracy. */
  answered99: number;
  /** Share with confidence ≥ THRESHOLD, and its accuracy. */
  answeredAtThreshold: number;
}

function score(probs: number[][], labels: number[]): Scored {
  const conf = probs.map((p) => Math.max(...p));
  const correct: number[] = probs.map((p, i) => (p.indexOf(Math.max(...p)) === labels[i] ? 1 : 0));
  const n = labels.length;
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, acc: 0 }));
  conf.forEach((c, i) => {
    const b = bins[Math.min(9, Math.floor(c * 10))]!;
    b.n++;
    b.conf += c;
    b.acc += correct[i]!;
  });
  const ece = bins.reduce((a, b) => a + (b.n ? Math.abs(b.conf - b.acc) : 0), 0) / n;
  const order = conf.map((_, i) => i).sort((a, b) => conf[b]! - conf[a]!);
  let hits = 0;
  let best = 0;
  order.forEach((i, k) => {
    hits += correct[i]!;
    if (hits / (k + 1) >= 0.99) best = k + 1;
  });
  return {
    accuracy: correct.reduce((a, b) => a + b, 0) / n,
    ece,
    answered99: best / n,
    answeredAtThreshold: conf.filter((c) => c >= THRESHOLD).length / n,
  };
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------- the two heads

interface HeadResult extends Scored {
  trainS: number;
  inferMs: number;
  haltedAt?: number;
}

function runLinear(
  engine: VisionEngine,
  train: Spatial,
  trainLabels: number[],
  test: Spatial,
  testLabels: number[],
): HeadResult {
  const examples: LabelledExample[] = trainLabels.map((y, i) => ({
    id: `ex${i}`,
    features: train.pooled[i]!,
    label: y === 0 ? 'YES' : 'NO',
  }));
  const cand = trainCandidate({
    detector: { id: 'det_bench_reasoning', mode: 'BINARY', confidenceThreshold: THRESHOLD },
    examples,
    backbone: engine.backbone,
    pipeline: engine.pipeline,
  });
  const yes = cand.classNames.indexOf('YES');
  const t0 = performance.now();
  // Back to the bench's class order (0 = YES).
  const probs = test.pooled.map((f) => {
    const p = cand.predict(f).probabilities;
    return [p[yes]!, p[1 - yes]!];
  });
  const inferMs = (performance.now() - t0) / probs.length;
  return { ...score(probs, testLabels), trainS: cand.trainSeconds, inferMs };
}

function runRecursive(
  engine: VisionEngine,
  train: Spatial,
  trainLabels: number[],
  test: Spatial,
  testLabels: number[],
): HeadResult & { params: number } {
  const { featureDim: dim, featureMapSize: size } = engine.backbone;
  const tokens = size * size;
  const t0 = performance.now();
  const { train: fitIdx, test: calIdx } = stratifiedSplit(trainLabels, 0.2, 5);
  const projection = fitTokenProjection(
    fitIdx.map((i) => train.maps[i]!),
    dim,
    tokens,
    { components: 64 },
  );
  const u = train.maps.map((m) => projectTokens(projection, m));
  const fitted = trainRecursiveHead(
    fitIdx.map((i) => u[i]!),
    fitIdx.map((i) => trainLabels[i]!),
    { tokens, inDim: projection.components, classes: 2 },
    {
      // One cycle (TRM's H_cycles = 1): the no-gradient cycle costs a third more time on 2 shared cores.
      config: { cycles: 1 },
      epochs: 20,
      onEpoch: (e, loss) =>
        e % 5 === 0 &&
        log(`    epoch ${e}: loss ${loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`),
    },
  );
  const head = calibrateRecursiveHead(
    fitted,
    calIdx.map((i) => u[i]!),
    calIdx.map((i) => trainLabels[i]!),
  );
  const trainS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  let halted = 0;
  const probs = test.maps.map((m) => {
    const p = predictRecursive(head, projectTokens(projection, m));
    halted += p.haltedAt;
    return p.probabilities;
  });
  const inferMs = (performance.now() - t1) / probs.length;
  return {
    ...score(probs, testLabels),
    trainS,
    inferMs,
    haltedAt: halted / probs.length,
    params: parameterCount(head.config) + projection.matrix.length + projection.offset.length,
  };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  ensureFashionMnist(log);
  log(`loading the backbone (${os.cpus().length} cores)`);
  const engine = await VisionEngine.create();
  const tasks = [
    {
      name: 'compositional: bag left of shoe?',
      train: await bagLeftOfShoeSet('train', 1000, 31, 'bagleft-train'),
      test: await bagLeftOfShoeSet('t10k', 1000, 32, 'bagleft-test'),
      sizes: [200, 1000],
    },
    {
      name: 'simple: footwear?',
      train: await simpleSet('train', 1000, 21, 'simple-train'),
      test: await simpleSet('t10k', 1000, 22, 'simple-test'),
      sizes: [50, 200, 1000],
    },
  ];
  const rows: string[][] = [];
  const at1000: Record<string, { linear: HeadResult; recursive: HeadResult }> = {};
  let params = 0;
  for (const task of tasks) {
    const train = await spatialFeatures(engine, task.train);
    const test = await spatialFeatures(engine, task.test);
    for (const n of task.sizes) {
      const pick = (s: Spatial): Spatial => ({ pooled: s.pooled.slice(0, n), maps: s.maps.slice(0, n) });
      const labels = task.train.labels.slice(0, n);
      log(`${task.name} @ ${n} labels: linear`);
      const linear = runLinear(engine, pick(train), labels, test, task.test.labels);
      log(`${task.name} @ ${n} labels: recursive`);
      const recursive = runRecursive(engine, pick(train), labels, test, task.test.labels);
      params = recursive.params;
      for (const [head, r] of [
        ['linear', linear],
        ['recursive', recursive],
      ] as const)
        log(
          `  ${head}: acc ${pct(r.accuracy)} ECE ${r.ece.toFixed(3)} @99% ${pct(r.answered99)} train ${r.trainS.toFixed(1)} s infer ${r.inferMs.toFixed(2)} ms`,
        );
      if (n === 1000) at1000[task.name] = { linear, recursive };
      for (const [head, r] of [
        ['linear', linear],
        ['recursive', recursive],
      ] as const) {
        rows.push([
          task.name,
          String(n),
          head,
          pct(r.accuracy),
          r.ece.toFixed(3),
          pct(r.answered99),
          pct(r.answeredAtThreshold),
          `${r.trainS.toFixed(1)} s`,
          r.inferMs.toFixed(2),
          r.haltedAt === undefined ? '-' : r.haltedAt.toFixed(2),
        ]);
      }
    }
  }
  await engine.release();
  process.stdout.write(
    `\n## Linear vs recursive head (1,000 held-out test images per task; recursive head ${params.toLocaleString('en')} parameters incl. the token projection)\n\n`,
  );
  process.stdout.write(
    `${table(
      [
        'task',
        'labels',
        'head',
        'accuracy',
        'ECE',
        'answered @99% acc',
        `conf ≥ ${THRESHOLD}`,
        'train',
        'infer ms/img (head only)',
        'mean halt step',
      ],
      rows,
    )}\n\n`,
  );
  const comp = at1000[tasks[0]!.name]!;
  const simple = at1000[tasks[1]!.name]!;
  const delta = (r: { linear: HeadResult; recursive: HeadResult }): string =>
    (100 * (r.recursive.accuracy - r.linear.accuracy)).toFixed(1);
  process.stdout.write(
    `RESULT simple_delta_pt=${delta(simple)} compositional_delta_pt=${delta(comp)} compositional_acc=${(100 * comp.recursive.accuracy).toFixed(1)} train_s=${comp.recursive.trainS.toFixed(1)}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
