/**
 * Explanation quality and cost on real data (README "Explanations"). `npm run bench:explain`
 *
 * Data: Fashion-MNIST (Debian `dataset-fashion-mnist`, installed with apt-get if missing). Each image: one 28×28
 * object, scaled 2× to 56×56, pasted at a seeded random place on a blank (black) 224×224 canvas, PNG-encoded and
 * sent through the real pipeline (preprocess → ONNX backbone, pooled vector and 7×7 map).
 *
 * Detectors: three binary detectors ("footwear?", "bag?", "trouser?") trained through the real learning loop
 * (libs/learning trainCandidate: held-out split, softmax head, temperature, OODD, packages with the neighbour
 * index), on 400 canvases with image-query-like ids; measured on 120 other canvases (Fashion-MNIST t10k).
 *
 *   - pointing game: a hit when the evidence map's peak cell (32×32 px) overlaps the object's tight bounding box
 *     (pixels > 0). The map is the one the service returns (support for the answered label, measured against
 *     the detector's average training image). Chance = share of cells the box touches. Two diagnostics beside
 *     it (not the goal): YES images only (the classic pointing game: the target class's own map) and a
 *     tolerance of one cell (the peak or one of its 8 neighbours touches the box).
 *   - deletion / insertion (RISE-style): cells are blanked (deletion, from the full image) or revealed (insertion,
 *     from the blank canvas) in map order, most supporting first; the curve is the answered label's probability
 *     after k cells (k = 0…49, 14 points), AUC over the fraction of cells (trapezoid). Deletion: lower is better;
 *     insertion: higher is better. Baseline: the same with a random cell order (seeded).
 *   - neighbour agreement: the majority label of the 5 nearest labelled examples (the package's index) = the
 *     true label.
 *   - cost: per answer, the service's path without explanations (preprocess → pooled features → heads) and with
 *     them (preprocess → pooled + map in one run → heads → evidence + neighbours), alternated in rounds;
 *     wall ms and process CPU ms. explain_ms = the difference of the CPU medians.
 * Table on stdout, progress on stderr, then one RESULT line.
 */
import { trainCandidate, type Candidate, type LabelledExample } from '@intellioptics/learning';
import { ensureFashionMnist, fashionMnist, seededSample } from '@intellioptics/learning/datasets';
import type { Head, PredictorMetadata, SpatialFeatures } from '@intellioptics/vision';
import { blankBaseline, ModelExplainer, mulberry32, VisionEngine } from '@intellioptics/vision';
import sharp from 'sharp';

const CANVAS = 224;
const SCALE = 2;
const OBJECT = 28 * SCALE;
const CELLS = 7;
const CELL_PX = CANVAS / CELLS;
const TRAIN = 400;
const TEST = 100;
const CURVE_IMAGES = 20;
const CURVE_STEPS = [0, 1, 2, 3, 4, 5, 6, 8, 10, 13, 17, 24, 32, 49];
const COST_ROUNDS = 40;
const K = 5;

const DETECTORS = [
  { id: 'det_bench_footwear', name: 'footwear?', yes: new Set([5, 7, 9]) },
  { id: 'det_bench_bag', name: 'bag?', yes: new Set([8]) },
  { id: 'det_bench_trouser', name: 'trouser?', yes: new Set([1]) },
] as const;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Canvas {
  id: string;
  fashionClass: number;
  png: Buffer;
  /** Tight bounding box of the object's pixels, [x0, y0, x1, y1) in canvas pixels. */
  box: [number, number, number, number];
}

async function canvases(split: 'train' | 't10k', count: number, seed: number): Promise<Canvas[]> {
  const indices = seededSample(split === 'train' ? 60000 : 10000, count, seed);
  const set = await fashionMnist(split, indices);
  const rng = mulberry32(seed + 1);
  return Promise.all(
    set.grey.map(async (grey, i) => {
      const px = Math.floor(rng() * (CANVAS - OBJECT + 1));
      const py = Math.floor(rng() * (CANVAS - OBJECT + 1));
      const img = new Uint8Array(CANVAS * CANVAS);
      let [x0, y0, x1, y1] = [CANVAS, CANVAS, 0, 0];
      for (let y = 0; y < OBJECT; y++)
        for (let x = 0; x < OBJECT; x++) {
          const v = grey[Math.floor(y / SCALE) * 28 + Math.floor(x / SCALE)]!;
          if (v === 0) continue;
          const [cx, cy] = [px + x, py + y];
          img[cy * CANVAS + cx] = v;
          [x0, y0, x1, y1] = [Math.min(x0, cx), Math.min(y0, cy), Math.max(x1, cx + 1), Math.max(y1, cy + 1)];
        }
      const png = await sharp(Buffer.from(img), { raw: { width: CANVAS, height: CANVAS, channels: 1 } })
        .png()
        .toBuffer();
      return {
        id: `iq_bench_${split}_${indices[i]!}`,
        fashionClass: set.classes[i]!,
        png,
        box: [x0, y0, x1, y1] as [number, number, number, number],
      };
    }),
  );
}

const cellTouches = (cell: number, box: Canvas['box']): boolean => {
  const [r, c] = [Math.floor(cell / CELLS), cell % CELLS];
  const [cx0, cy0] = [c * CELL_PX, r * CELL_PX];
  return cx0 < box[2] && cx0 + CELL_PX > box[0] && cy0 < box[3] && cy0 + CELL_PX > box[1];
};

/** The peak cell or one of its 8 neighbours touches the box. */
const near = (cell: number, box: Canvas['box']): boolean => {
  const [r, c] = [Math.floor(cell / CELLS), cell % CELLS];
  for (let dr = -1; dr <= 1; dr++)
    for (let dc = -1; dc <= 1; dc++) {
      const [rr, cc] = [r + dr, c + dc];
      if (rr >= 0 && rr < CELLS && cc >= 0 && cc < CELLS && cellTouches(rr * CELLS + cc, box)) return true;
    }
  return false;
};

/** A copy of `src` with the given cells set to `fill`'s pixels (NCHW [3, 224, 224]). */
function withCells(src: Float32Array, fill: Float32Array, cells: readonly number[]): Float32Array {
  const out = Float32Array.from(src);
  for (const cell of cells) {
    const [r, c] = [Math.floor(cell / CELLS), cell % CELLS];
    for (let ch = 0; ch < 3; ch++)
      for (let y = r * CELL_PX; y < (r + 1) * CELL_PX; y++) {
        const row = (ch * CANVAS + y) * CANVAS;
        for (let x = c * CELL_PX; x < (c + 1) * CELL_PX; x++) out[row + x] = fill[row + x]!;
      }
  }
  return out;
}

const auc = (ys: readonly number[]): number => {
  let s = 0;
  for (let i = 1; i < CURVE_STEPS.length; i++)
    s += ((CURVE_STEPS[i]! - CURVE_STEPS[i - 1]!) / 49) * ((ys[i]! + ys[i - 1]!) / 2);
  return s;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  ensureFashionMnist(log);
  const engine = await VisionEngine.create({ precision: 'fp32' });
  const baseline = await blankBaseline(engine);
  log('building canvases');
  const train = await canvases('train', TRAIN, 11);
  const test = await canvases('t10k', TEST, 23);
  log('embedding');
  const embed = async (set: Canvas[]): Promise<{ tensors: Float32Array[]; spatial: SpatialFeatures[] }> => {
    const tensors = await Promise.all(set.map((c) => engine.preprocess(c.png)));
    const spatial: SpatialFeatures[] = [];
    for (let i = 0; i < tensors.length; i += 16)
      spatial.push(...(await engine.embedSpatialTensors(tensors.slice(i, i + 16))));
    return { tensors, spatial };
  };
  const tr = await embed(train);
  const te = await embed(test);
  const blank = new Float32Array(3 * CANVAS * CANVAS); // black canvas in unit scaling

  const rows: string[][] = [];
  const all = {
    hits: 0,
    yesHits: 0,
    yesN: 0,
    near: 0,
    n: 0,
    chance: 0,
    del: 0,
    delR: 0,
    ins: 0,
    insR: 0,
    curves: 0,
    agree: 0,
  };
  let costHead: { head: Head; explainer: ModelExplainer; metadata: PredictorMetadata } | null = null;
  for (const det of DETECTORS) {
    const label = (c: Canvas): string => (det.yes.has(c.fashionClass) ? 'YES' : 'NO');
    const examples: LabelledExample[] = train.map((c, i) => ({
      id: c.id,
      features: tr.spatial[i]!.pooled,
      label: label(c),
    }));
    const candidate: Candidate = trainCandidate({
      detector: { id: det.id, mode: 'BINARY', confidenceThreshold: 0.9 },
      examples,
      backbone: engine.backbone,
      pipeline: engine.pipeline,
    });
    const head = await engine.loadHead(candidate.primary);
    const explainer = ModelExplainer.fromPackage(candidate.primary);
    costHead ??= { head, explainer, metadata: candidate.primary.metadata };
    const probsOf = async (features: Float32Array[]): Promise<number[][]> =>
      (await head.run(features)).map((o) => (o.kind === 'primary' ? o.probabilities : []));
    const probs = await probsOf(te.spatial.map((s) => s.pooled));
    const r = {
      hits: 0,
      yesHits: 0,
      yesN: 0,
      near: 0,
      chance: 0,
      acc: 0,
      agree: 0,
      del: 0,
      delR: 0,
      ins: 0,
      insR: 0,
      curves: 0,
    };
    const rng = mulberry32(97);
    for (let i = 0; i < test.length; i++) {
      const c = test[i]!;
      const s = te.spatial[i]!;
      const p = probs[i]!;
      const e = explainer.explain({
        probabilities: p,
        pooled: s.pooled,
        map: s.map,
        mapSize: CELLS,
        baseline,
        oodd: null,
        neighbors: K,
      });
      const values = e.evidence!.values;
      const peak = values.indexOf(Math.max(...values));
      if (cellTouches(peak, c.box)) r.hits++;
      // Diagnostics: YES images (the classic pointing game, the target's own map), and a one-cell tolerance.
      if (label(c) === 'YES') {
        r.yesN++;
        if (cellTouches(peak, c.box)) r.yesHits++;
      }
      if (near(peak, c.box)) r.near++;
      r.chance += Array.from({ length: 49 }, (_, k) => k).filter((k) => cellTouches(k, c.box)).length / 49;
      const answered = p[0]! >= p[1]! ? 0 : 1;
      if ((answered === 0 ? 'YES' : 'NO') === label(c)) r.acc++;
      const votes = e.neighbors.filter((n) => n.label === 'YES').length;
      if ((votes * 2 > e.neighbors.length ? 'YES' : 'NO') === label(c)) r.agree++;
      if (i < CURVE_IMAGES) {
        const order = values
          .map((v, k) => ({ v, k }))
          .sort((a, b) => b.v - a.v)
          .map((x) => x.k);
        const random = Array.from({ length: 49 }, (_, k) => k);
        for (let k = 48; k > 0; k--) {
          const j = Math.floor(rng() * (k + 1));
          [random[k], random[j]] = [random[j]!, random[k]!];
        }
        const curve = async (ord: number[], insertion: boolean): Promise<number> => {
          const tensors = CURVE_STEPS.map((k) =>
            insertion
              ? withCells(blank, te.tensors[i]!, ord.slice(0, k))
              : withCells(te.tensors[i]!, blank, ord.slice(0, k)),
          );
          const feats = await engine.embedTensors(tensors);
          return auc((await probsOf(feats)).map((q) => q[answered]!));
        };
        r.del += await curve(order, false);
        r.delR += await curve(random, false);
        r.ins += await curve(order, true);
        r.insR += await curve(random, true);
        r.curves++;
      }
    }
    log(`${det.name}: pointing ${r.hits}/${test.length}`);
    rows.push([
      det.name,
      String(candidate.examplesPerClass['YES'] ?? 0),
      (r.acc / test.length).toFixed(3),
      (r.hits / test.length).toFixed(3),
      r.yesN ? (r.yesHits / r.yesN).toFixed(3) : 'n/a',
      (r.near / test.length).toFixed(3),
      (r.chance / test.length).toFixed(3),
      `${(r.del / r.curves).toFixed(3)} / ${(r.delR / r.curves).toFixed(3)}`,
      `${(r.ins / r.curves).toFixed(3)} / ${(r.insR / r.curves).toFixed(3)}`,
      (r.agree / test.length).toFixed(3),
    ]);
    all.hits += r.hits;
    all.yesHits += r.yesHits;
    all.yesN += r.yesN;
    all.near += r.near;
    all.n += test.length;
    all.chance += r.chance;
    all.del += r.del;
    all.delR += r.delR;
    all.ins += r.ins;
    all.insR += r.insR;
    all.curves += r.curves;
    all.agree += r.agree;
    if (head !== costHead.head) await head.release();
  }

  // Cost per answer: the service's path without and with the explanation, alternated.
  log('measuring cost per answer');
  const { head, explainer } = costHead!;
  const wall = { off: [] as number[], on: [] as number[] };
  const cpu = { off: [] as number[], on: [] as number[] };
  const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
  for (let round = 0; round < COST_ROUNDS + 3; round++) {
    const png = test[round % test.length]!.png;
    for (const mode of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const tensor = await engine.preprocess(png);
      if (mode === 'off') {
        const [f] = await engine.embedTensors([tensor]);
        await head.run([f!]);
      } else {
        const [s] = await engine.embedSpatialTensors([tensor]);
        const [o] = await head.run([s!.pooled]);
        if (o?.kind === 'primary')
          explainer.explain({
            probabilities: o.probabilities,
            pooled: s!.pooled,
            map: s!.map,
            mapSize: CELLS,
            baseline,
            oodd: null,
          });
      }
      if (round < 3) continue; // warm-up
      cpu[mode].push(cpuMs(process.cpuUsage(c0)));
      wall[mode].push(performance.now() - t0);
    }
  }
  await head.release();
  const explainMs = median(cpu.on) - median(cpu.off);
  const meta = costHead!.metadata;
  const indexBytes = JSON.stringify(meta.neighbor_index ?? null).length;
  await engine.release();

  const pointing = all.hits / all.n;
  console.log(
    table(
      [
        'detector',
        'YES labels',
        'accuracy',
        'pointing',
        'pointing, YES images',
        'peak ≤ 1 cell off',
        'chance',
        'deletion AUC map / random ↓',
        'insertion AUC map / random ↑',
        `${K}-NN agreement`,
      ],
      rows,
    ),
  );
  console.log();
  console.log(
    table(
      ['per answer (median of ' + COST_ROUNDS + ')', 'wall ms', 'CPU ms'],
      [
        ['without explanation', median(wall.off).toFixed(2), median(cpu.off).toFixed(2)],
        ['with explanation', median(wall.on).toFixed(2), median(cpu.on).toFixed(2)],
        [
          'overhead',
          `${(median(wall.on) - median(wall.off)).toFixed(2)}`,
          `${explainMs.toFixed(2)} (${((explainMs / median(cpu.off)) * 100).toFixed(1)}%)`,
        ],
      ],
    ),
  );
  console.log(
    `\nneighbour index: ${meta.neighbor_index?.image_query_ids.length ?? 0} examples, ${indexBytes} bytes of predictor_metadata.json`,
  );
  console.log(`pointing goal ≥ 0.9: ${pointing >= 0.9 ? 'met' : 'MISSED'}`);
  console.log(
    `RESULT pointing=${pointing.toFixed(3)} deletion_auc=${(all.del / all.curves).toFixed(3)} deletion_auc_random=${(all.delR / all.curves).toFixed(3)} insertion_auc=${(all.ins / all.curves).toFixed(3)} insertion_auc_random=${(all.insR / all.curves).toFixed(3)} neighbor_agreement=${(all.agree / all.n).toFixed(3)} explain_ms=${explainMs.toFixed(2)} pointing_yes=${(all.yesHits / all.yesN).toFixed(3)} pointing_1cell=${(all.near / all.n).toFixed(3)}`,
  );
}

await main();
