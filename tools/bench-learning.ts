/**
 * Continuous-learning benchmark on real data (MODELS.md quality bars). `npm run bench:learning`
 *
 * Data: Fashion-MNIST from Debian's `dataset-fashion-mnist` (installed with apt-get if missing), handwritten
 * digits from OpenCV's digits.png (libs/learning/test/fixtures, Apache-2.0/BSD + MNIST credit). Every image
 * goes through the real pipeline: 28×28 grey → PNG → preprocess (224 RGB) → ONNX backbone (1792-d).
 * Features are cached on disk under .cache/learning (keyed by backbone sha256 and the image selection).
 *
 * Task: the binary detector "is it footwear?" (sandal, sneaker, ankle boot = YES; the 7 other classes = NO),
 * threshold 0.9. Tables on stdout, progress on stderr.
 *   1. trained on 50 / 200 / 1,000 labels (the candidate's own held-out split and a 2,000-image test set):
 *      accuracy, ECE, share answered at the edge (OODD-adjusted confidence ≥ 0.9) and their accuracy, time,
 *      far OODD AUROC (digits vs Fashion-MNIST test images) and share of digits answered at the edge.
 *   2. near OODD: leave one Fashion class out of the labels, AUROC of test images of the kept classes vs the
 *      left-out class, for each of the 10 classes (class means vs k-means sub-cluster means).
 *   3. a stream of queries to a brand-new detector; an oracle labels every escalation; the retrain trigger
 *      policy decides when to train and the promotion rule when to publish. Per 100 queries: escalation rate
 *      and accuracy of the edge answers.
 */
import os from 'node:os';
import path from 'node:path';
import {
  adjustedConfidence,
  argmax,
  auroc,
  decidePromotion,
  DEFAULT_RETRAIN_TRIGGER,
  decideRetrain,
  evaluatePredictions,
  fitDetectorOodd,
  mahalanobisScorer,
  trainCandidate,
  type Candidate,
  type LabelledExample,
  type Prediction,
  type RetrainTriggerConfig,
} from '@intellioptics/learning';
import {
  FASHION_CLASS_NAMES,
  FOOTWEAR_CLASSES,
  fashionMnist,
  handwrittenDigits,
  seededSample,
  type FashionSplit,
  type GreyImageSet,
} from '@intellioptics/learning/datasets';
import type { VisionEngine } from '@intellioptics/vision';
import { REPO, cachedGreyFeatures, log, num, openFashionBench, pct, table } from './bench-support';

const CACHE = path.join(REPO, '.cache', 'learning');
const CLASS_NAMES = [...FASHION_CLASS_NAMES];
const THRESHOLD = 0.9;
const DETECTOR = { id: 'det_bench_footwear', mode: 'BINARY' as const, confidenceThreshold: THRESHOLD };
const answer = (fashionClass: number): string => (FOOTWEAR_CLASSES.has(fashionClass) ? 'YES' : 'NO');
const answerIndex = (fashionClass: number): number => (FOOTWEAR_CLASSES.has(fashionClass) ? 0 : 1);

// ---------------------------------------------------------------- data

const fashionSet = async (split: FashionSplit, indices: number[], name: string): Promise<GreyImageSet> => ({
  ...(await fashionMnist(split, indices)),
  name,
});

const features = (engine: VisionEngine, set: GreyImageSet): Promise<Float32Array[]> =>
  cachedGreyFeatures(engine, set, { dir: CACHE, name: set.name });

// ---------------------------------------------------------------- helpers

function examplesOf(set: GreyImageSet, feats: Float32Array[], idx: number[]): LabelledExample[] {
  return idx.map((i) => ({ id: set.ids[i]!, features: feats[i]!, label: answer(set.classes[i]!) }));
}

function testEvaluation(cand: Candidate, set: GreyImageSet, preds: Prediction[]) {
  return evaluatePredictions({
    exampleIds: set.ids,
    labels: set.classes.map(answerIndex),
    predictions: preds,
    classNames: cand.classNames,
    threshold: THRESHOLD,
  });
}

/** Share of images the edge would answer (adjusted confidence ≥ threshold). */
function answeredShare(preds: Prediction[]): number {
  const answered = preds.filter(
    (p) => adjustedConfidence(p.probabilities[argmax(p.probabilities)]!, p.inDomain, 2) >= THRESHOLD,
  );
  return answered.length / preds.length;
}

/**
 * Reference only (not shipped): the MODELS.md baseline scorer, mean cosine similarity to the 5 nearest
 * in-domain training images, for the same splits.
 */
function knnCosineScorer(train: readonly Float32Array[]): (f: Float32Array) => number {
  const unit = (f: Float32Array): Float32Array => {
    let s = 0;
    for (const v of f) s += v * v;
    const n = Math.sqrt(s) || 1;
    return Float32Array.from(f, (v) => v / n);
  };
  const t = train.map(unit);
  return (f) => {
    const g = unit(f);
    const top = [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity];
    for (const x of t) {
      let d = 0;
      for (let j = 0; j < g.length; j++) d += x[j]! * g[j]!;
      if (d > top[4]!) {
        top[4] = d;
        top.sort((a, b) => b - a);
      }
    }
    return top.reduce((a, v) => a + v, 0) / 5;
  };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = performance.now();
  const { engine, backbone } = await openFashionBench();
  const base = { detector: DETECTOR, backbone, pipeline: engine.pipeline };

  // Disjoint selections from the training split: a 1,000-image label pool and a 1,500-query stream.
  const poolIdx = seededSample(60_000, 1000, 11);
  const streamIdx = seededSample(60_000, 1500, 12, new Set(poolIdx));
  const pool = await fashionSet('train', poolIdx, 'fmnist-pool');
  const stream = await fashionSet('train', streamIdx, 'fmnist-stream');
  const test = await fashionSet('t10k', seededSample(10_000, 2000, 13), 'fmnist-test');
  const digits = await handwrittenDigits(100);
  const poolF = await features(engine, pool);
  const streamF = await features(engine, stream);
  const testF = await features(engine, test);
  const digitF = await features(engine, digits);
  await engine.release();

  // ------------------------------------------------ 1. labels → quality
  const rows: string[][] = [];
  for (const n of [50, 200, 1000]) {
    log(`training on ${n} labels`);
    const cand = trainCandidate({
      ...base,
      examples: examplesOf(
        pool,
        poolF,
        poolIdx.slice(0, n).map((_, i) => i),
      ),
      outOfDomain: digitF,
    });
    log(`  trained in ${cand.trainSeconds.toFixed(1)} s; scoring the test set and the digits`);
    const testPreds = testF.map((f) => cand.predict(f));
    const digitPreds = digitF.map((f) => cand.predict(f));
    const ev = testEvaluation(cand, test, testPreds);
    const far = auroc(
      testPreds.map((p) => p.inDomain ?? 0),
      digitPreds.map((p) => p.inDomain ?? 0),
    );
    rows.push([
      String(n),
      `${pct(cand.evaluation.accuracy)} / ${num(cand.evaluation.ece)} (${cand.evaluation.n})`,
      pct(ev.accuracy),
      num(ev.ece),
      pct(1 - ev.escalationRate),
      pct(ev.edgeAccuracy),
      cand.calibration.method === 'temperature' ? num(cand.calibration.temperature, 2) : '1 (none)',
      `${cand.trainSeconds.toFixed(1)} s`,
      num(far, 4),
      pct(answeredShare(digitPreds)),
    ]);
  }

  const knnFar = knnCosineScorer(poolF.slice(0, 800));
  const farReference = auroc(testF.map(knnFar), digitF.map(knnFar));
  log(`far OODD reference, 5-NN cosine on 800 pool images: AUROC ${num(farReference, 4)}`);

  // ------------------------------------------------ 2. near OODD (leave one class out)
  // The detector's OODD model (fitDetectorOodd, as trainCandidate fits it) on the labels of 9 classes.
  const nearRows: string[][] = [];
  const nearAurocs: number[] = [];
  const nearReference: number[] = [];
  for (let held = 0; held < 10; held++) {
    const keep = poolIdx.map((_, i) => i).filter((i) => pool.classes[i] !== held);
    const t0 = performance.now();
    const oodd = fitDetectorOodd(
      keep.map((i) => poolF[i]!),
      keep.map((i) => answerIndex(pool.classes[i]!)),
    );
    const score = mahalanobisScorer(oodd);
    const inTest = testF.filter((_, i) => test.classes[i] !== held);
    const outTest = testF.filter((_, i) => test.classes[i] === held);
    const a = auroc(
      inTest.map((f) => score(f).inDomain),
      outTest.map((f) => score(f).inDomain),
    );
    const knn = knnCosineScorer(keep.map((i) => poolF[i]!));
    const ref = auroc(inTest.map(knn), outTest.map(knn));
    nearAurocs.push(a);
    nearReference.push(ref);
    nearRows.push([CLASS_NAMES[held]!, String(keep.length), num(a), num(ref)]);
    log(
      `near OODD, ${CLASS_NAMES[held]} left out: AUROC ${num(a)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
  const avg = (xs: number[]): number => xs.reduce((x, v) => x + v, 0) / xs.length;
  nearRows.push(['mean', '', num(avg(nearAurocs)), num(avg(nearReference))]);

  // ------------------------------------------------ 3. stream: new detector → trained detector
  log('simulated stream, 1 query/s');
  const slow = simulateStream(base, stream, streamF, { rateHz: 1 });
  // Learn sooner (#18): about 20 labelled queries a second, the trigger as it is and as it was (first version
  // after the debounce, no backlog rule); each training takes the time it really took.
  log(`simulated stream, ${FAST_RATE_HZ} queries/s, trigger now`);
  const fastNow = simulateStream(base, stream, streamF, { rateHz: FAST_RATE_HZ, windows: false });
  log(`simulated stream, ${FAST_RATE_HZ} queries/s, trigger before`);
  const fastBefore = simulateStream(base, stream, streamF, {
    rateHz: FAST_RATE_HZ,
    trigger: TRIGGER_BEFORE,
    windows: false,
  });
  const streamRows = slow.rows;
  const events = slow.events;

  const out: string[] = [];
  out.push(
    `# bench:learning — "is it footwear?" (Fashion-MNIST, binary), threshold ${THRESHOLD}, ${os.cpus().length} cores`,
    '',
    'Images: 28×28 grey → PNG → preprocess (224 RGB) → MobileNetV2-1.4 ONNX backbone (1792-d), features cached.',
    `Label pool: ${poolIdx.length} random training-split images (50/200 are its prefixes); test: ${test.ids.length} test-split images; far OOD: ${digits.ids.length} handwritten digits (OpenCV digits.png).`,
    'Held-out = the candidate’s own id-hash split (20%); test = the independent test set. Answered = OODD-adjusted confidence ≥ threshold.',
    '',
    table(
      [
        'labels',
        'held-out acc / ECE (n)',
        'test acc',
        'test ECE',
        'answered at edge',
        'edge answer acc',
        'temperature',
        'train time',
        'far AUROC (digits)',
        'digits answered',
      ],
      rows,
    ),
    '',
    `Far OODD reference on the same data (not shipped): 5-NN cosine on the 800 training images of the 1,000-label pool, AUROC ${num(farReference, 4)}.`,
    '',
    'Near OODD: the OODD model fitted on the pool images of 9 classes, AUROC of the test images of those 9 classes vs the left-out class (baseline 0.89–0.91).',
    '',
    table(
      ['left-out class', 'in-domain images', 'near AUROC (shipped Mahalanobis)', 'reference: 5-NN cosine'],
      nearRows,
    ),
    '',
    `Stream: a new detector, one query per simulated second (${streamIdx.length} queries), an oracle labels every escalation; retrain trigger policy + promotion rule defaults; each training takes the time it took.`,
    '',
    table(['queries', 'escalation rate', 'edge accuracy (answers)', 'labels so far', 'model'], streamRows),
    '',
    ...events.map((e) => `- ${e}`),
    '',
    `Learn sooner: the same stream at ${FAST_RATE_HZ} queries/s, each training taking the time it took. Escalation rate over the first ${EARLY} queries: ${pct(fastBefore.earlyEscalation)} with the trigger before (first version after the debounce: ${DEFAULT_RETRAIN_TRIGGER.quietMs / 1000} s quiet or ${DEFAULT_RETRAIN_TRIGGER.maxDelayMs / 1000} s at most; later versions debounced too) → ${pct(fastNow.earlyEscalation)} now (first version at ${DEFAULT_RETRAIN_TRIGGER.minLabelsPerClass} labels per class, later ones as soon as ${DEFAULT_RETRAIN_TRIGGER.streamBacklogFactor}× the needed labels wait); over all ${streamIdx.length}: ${pct(fastBefore.totalEscalation)} → ${pct(fastNow.totalEscalation)}; versions published in the stream's ${(streamIdx.length / FAST_RATE_HZ).toFixed(0)} s: ${fastBefore.versions} → ${fastNow.versions}.`,
    ...fastBefore.events.slice(0, 4).map((e) => `- before: ${e}`),
    ...fastNow.events.slice(0, 4).map((e) => `- now: ${e}`),
    '',
    `RESULT stream_early_escalation_before=${num(fastBefore.earlyEscalation, 4)} stream_early_escalation_now=${num(fastNow.earlyEscalation, 4)} early_queries=${EARLY} rate_hz=${FAST_RATE_HZ}`,
    '',
    `Total bench time ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

// ---------------------------------------------------------------- the simulated stream

const FAST_RATE_HZ = 20;
const EARLY = 300;
/** The retrain trigger before #18's "learn sooner": the debounce decided the first version too, no backlog rule. */
const TRIGGER_BEFORE: Partial<RetrainTriggerConfig> = {
  firstVersionImmediately: false,
  streamBacklogFactor: 0,
};

interface StreamRun {
  rows: string[][];
  events: string[];
  /** Escalation rate over the first EARLY queries, and over the whole stream. */
  earlyEscalation: number;
  totalEscalation: number;
  /** Versions published during the stream. */
  versions: number;
}

/**
 * A new detector's stream: `rateHz` queries a second, an oracle labels every escalation, the retrain trigger
 * decides when to train, the promotion rule when to publish. A training runs for the time trainCandidate
 * really took (the job is active, queries keep coming and are answered by the current model meanwhile).
 */
function simulateStream(
  base: Omit<Parameters<typeof trainCandidate>[0], 'examples'>,
  stream: GreyImageSet,
  streamF: Float32Array[],
  opts: { rateHz: number; trigger?: Partial<RetrainTriggerConfig>; windows?: boolean },
): StreamRun {
  const rows: string[][] = [];
  const events: string[] = [];
  const labelled: LabelledExample[] = [];
  let current: Candidate | null = null;
  let version = 0;
  let labelsAtLastAttempt: number | null = null;
  let lastLabelAtMs: number | null = null;
  let firstPendingLabelAtMs: number | null = null;
  let lastAttempt: { outcome: 'PUBLISHED' | 'REFUSED' | 'FAILED'; finishedAtMs: number } | null = null;
  let job: { doneAtMs: number; cand: Candidate; publish: boolean; line: string } | null = null;
  let win = { escalated: 0, edge: 0, edgeRight: 0 };
  let early = 0;
  let total = 0;
  const perClass = { YES: 0, NO: 0 };
  for (let q = 0; q < stream.ids.length; q++) {
    const nowMs = (q * 1000) / opts.rateHz;
    if (job && nowMs >= job.doneAtMs) {
      lastAttempt = { outcome: job.publish ? 'PUBLISHED' : 'REFUSED', finishedAtMs: job.doneAtMs };
      if (job.publish) {
        current = job.cand;
        version++;
      }
      events.push(
        `${job.line}${job.publish ? ` → published v${version}, answering from q${q + 1}` : ' → refused'}`,
      );
      job = null;
    }
    const f = streamF[q]!;
    const truth = answerIndex(stream.classes[q]!);
    let escalate = true;
    if (current) {
      const p = current.predict(f);
      const top = argmax(p.probabilities);
      if (adjustedConfidence(p.probabilities[top]!, p.inDomain, 2) >= THRESHOLD) {
        escalate = false;
        win.edge++;
        if (top === truth) win.edgeRight++;
      }
    }
    if (escalate) {
      win.escalated++;
      total++;
      if (q < EARLY) early++;
      const label = answer(stream.classes[q]!);
      labelled.push({ id: stream.ids[q]!, features: f, label });
      perClass[label as 'YES' | 'NO']++;
      lastLabelAtMs = nowMs;
      firstPendingLabelAtMs ??= nowMs;
    }
    const decision = decideRetrain(
      {
        labelsPerClass: { ...perClass },
        newLabelsSinceLastAttempt:
          labelsAtLastAttempt === null ? null : labelled.length - labelsAtLastAttempt,
        lastAttempt,
        hasPublishedVersion: current !== null,
        jobActive: job !== null,
        lastLabelAtMs,
        firstPendingLabelAtMs,
        nowMs,
      },
      opts.trigger,
    );
    if (decision.train) {
      const snapshot = [...labelled];
      const cand = trainCandidate({ ...base, examples: snapshot });
      const cur = current;
      const currentEval = cur
        ? evaluatePredictions({
            exampleIds: cand.evaluation.exampleIds,
            labels: cand.heldOutLabels,
            predictions: cand.evaluation.exampleIds.map((id) => {
              const e = snapshot.find((x) => x.id === id)!;
              return cur.predict(e.features);
            }),
            classNames: cand.classNames,
            threshold: THRESHOLD,
          })
        : null;
      const promo = decidePromotion({ candidate: cand.evaluation, current: currentEval });
      labelsAtLastAttempt = snapshot.length;
      firstPendingLabelAtMs = null;
      job = {
        doneAtMs: nowMs + cand.trainSeconds * 1000,
        cand,
        publish: promo.publish,
        line: `q${q + 1}: ${decision.reason} on ${snapshot.length} labels (${promo.reason}; held-out ${cand.evaluation.n}, acc ${pct(cand.evaluation.accuracy)}, ${cand.trainSeconds.toFixed(1)} s)`,
      };
      log(`  ${job.line}`);
    }
    if (opts.windows !== false && (q + 1) % 100 === 0) {
      rows.push([
        `${q - 98}–${q + 1}`,
        pct(win.escalated / 100),
        win.edge > 0 ? `${pct(win.edgeRight / win.edge)} (${win.edge})` : 'n/a (0)',
        String(labelled.length),
        version === 0 ? 'none' : `v${version}`,
      ]);
      win = { escalated: 0, edge: 0, edgeRight: 0 };
    }
  }
  return {
    rows,
    events,
    earlyEscalation: early / Math.min(EARLY, stream.ids.length),
    versions: version,
    totalEscalation: total / stream.ids.length,
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
