/**
 * Escalation benchmark (ticket #18): does the learned escalation policy send people fewer answers the edge
 * got right, without answering more wrongly at the edge? `npm run bench:escalation`
 *
 * Data: Fashion-MNIST (Debian `dataset-fashion-mnist`), every image through the real pipeline (28×28 grey →
 * PNG → preprocess → ONNX backbone); features cached under .cache/escalation. Detectors: binary class pairs,
 * "is it footwear?" over all classes, and a 10-class one. For each detector:
 *   A. cold start: a stream of queries to a new detector, the threshold policy, an oracle labelling every
 *      escalation and the audits of confident answers (rate AUDIT_RATE); the real trainCandidate trains a
 *      first version on 8 × classes labels and the detector's model on all cold-start labels at its end
 *      (two versions only: the ten-class one on 2,240 labels takes about 90 s on 2 cores);
 *   B. history (calibration data): the rest of the stream answered by that model with the threshold policy;
 *      its labelled answers (escalations with P(labelled) = 1, audits with P = AUDIT_RATE) are all the policy
 *      learns from. fitEscalationPolicy splits them: on the fitting half r* (the threshold policy's kept-answer
 *      error: the audited confident answers' error, importance-weighted) and the risk model of the answers the
 *      threshold escalates; on the calibration half the operating point (Learn-then-Test at δ = 0.1 of the rescued answers' error at r*)
 *      and the held-out comparison. The policy only rescues escalations (what the threshold keeps stays kept)
 *      and applies as the product's default does (escalation_policy unset): only when it won there. Every
 *      "does the edge escalate this?" is asked of libs/decision decide, as the edge asks it;
 *   C. test: the independent test split, answered by the same model; the oracle knows every truth.
 * Reported on test: escalation rate, false escalations (escalated although the edge was right, per query),
 * edge error (error of the answers kept at the edge), AURC and the coverage at r* of each ranking (risk–
 * coverage summary). Headline: 1 − FE_policy / FE_threshold over all detectors' test queries, with a
 * percentile bootstrap interval (test queries resampled within each detector).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  adjustConfidenceForDomain,
  decide,
  evaluateEscalationPolicy,
  type Decision,
  type EscalationPolicyModel,
  type PolicyObservation,
} from '@intellioptics/decision';
import {
  fitEscalationPolicy,
  trainCandidate,
  type Candidate,
  type LabelledExample,
  type PolicyHistoryExample,
} from '@intellioptics/learning';
import {
  FASHION_CLASS_NAMES,
  FOOTWEAR_CLASSES,
  fashionMnist,
  seededSample,
  type GreyImageSet,
} from '@intellioptics/learning/datasets';
import { DEFAULT_PRESETS, type DetectorMode } from '@intellioptics/schema';
import type { VisionEngine } from '@intellioptics/vision';
import { NeighborIndex, mulberry32 } from '@intellioptics/vision';
import { REPO, cachedGreyFeatures, log, num, openFashionBench, pct, table } from './bench-support';

const CACHE = path.join(REPO, '.cache', 'escalation');
const CLASS_NAMES = [...FASHION_CLASS_NAMES];
const THRESHOLD = 0.9;
const AUDIT_RATE = Number(process.env['BENCH_AUDIT_RATE'] ?? 0.1);
/** The cold start is 40% of a 6,000-image stream's share; BENCH_STREAM above 6,000 lengthens the history only. */
const COLD_START_FRACTION = 0.4;
const BASE_STREAM = 6000;
const STREAM = Math.max(BASE_STREAM, Number(process.env['BENCH_STREAM'] ?? BASE_STREAM));
/** Neighbour labels per answer (the package's index); BENCH_NEIGHBORS=25 tried whether more of them help. */
const NEIGHBORS = Number(process.env['BENCH_NEIGHBORS'] ?? 5);
/**
 * The edge does not track its audits' outcomes yet, so its answers carry no audit disagreement (null), and so
 * do the bench's. BENCH_AUDIT_DISAGREEMENT=1 simulates it (the share of the last 50 audits that disagreed): on
 * the default run fe_reduction 0.0895 with it against 0.0921 without (2026-12-08), no gain.
 */
const SIMULATE_AUDIT_DISAGREEMENT = process.env['BENCH_AUDIT_DISAGREEMENT'] === '1';
const BOOTSTRAP = 1000;

interface DetectorCase {
  name: string;
  mode: DetectorMode;
  classNames?: string[];
  /** Fashion classes the detector sees (others never reach it). */
  classes: number[];
  label(fashionClass: number): string;
}

const pair = (yes: number, no: number): DetectorCase => ({
  name: `${CLASS_NAMES[yes]} vs ${CLASS_NAMES[no]}`,
  mode: 'BINARY',
  classes: [yes, no],
  label: (c) => (c === yes ? 'YES' : 'NO'),
});
const ALL = CLASS_NAMES.map((_, i) => i);
const DETECTORS: DetectorCase[] = [
  pair(0, 6),
  pair(2, 4),
  pair(7, 9),
  {
    name: 'footwear? (all classes)',
    mode: 'BINARY',
    classes: ALL,
    label: (c) => (FOOTWEAR_CLASSES.has(c) ? 'YES' : 'NO'),
  },
  {
    name: '10 classes',
    mode: 'MULTI_CLASS',
    classNames: CLASS_NAMES,
    classes: ALL,
    label: (c) => CLASS_NAMES[c]!,
  },
];

// ---------------------------------------------------------------- data

const features = (engine: VisionEngine, set: GreyImageSet, name: string): Promise<Float32Array[]> =>
  cachedGreyFeatures(engine, set, { dir: CACHE, name });

// ---------------------------------------------------------------- helpers

/** One answered query: what the edge saw and whether its answer was right. */
interface Answered {
  id: string;
  obs: PolicyObservation;
  adjusted: number;
  truth: string;
  correct: boolean;
}

function answerWith(
  cand: Candidate,
  index: NeighborIndex | null,
  mode: DetectorMode,
  id: string,
  f: Float32Array,
  truth: string,
  auditDisagreement: number | null,
): Answered {
  const p = cand.predict(f);
  const probabilities = [...p.probabilities];
  const top = probabilities.reduce((b, v, k) => (v > probabilities[b]! ? k : b), 0);
  const obs: PolicyObservation = {
    classNames: cand.classNames,
    probabilities,
    inDomain: p.inDomain ?? null,
    neighborLabels: index ? index.search(f, NEIGHBORS).map((h) => cand.classNames[h.classIndex]!) : [],
    modelAgeDays: 0,
    auditDisagreement,
  };
  const adjusted = adjustConfidenceForDomain({
    confidence: probabilities[top]!,
    inDomainProbability: obs.inDomain,
    mode,
    numClasses: probabilities.length,
  });
  return { id, obs, adjusted, truth, correct: cand.classNames[top] === truth };
}

/**
 * Whether the edge sends this answer to people, as the product decides it (libs/decision decide): the default
 * preset (cloud first), the detector's threshold, no request threshold, no audit roll (audits are not
 * escalations), and the learned policy when one applies.
 */
function edgeEscalates(a: Answered, mode: DetectorMode, policy: EscalationPolicyModel | null): boolean {
  const top = Math.max(...a.obs.probabilities);
  const d: Decision = decide({
    preset: DEFAULT_PRESETS.default,
    humanReview: 'DEFAULT',
    wantAsync: false,
    detectorThreshold: THRESHOLD,
    inference: {
      status: 'ok',
      mode,
      primaryConfidence: top,
      numClasses: a.obs.probabilities.length,
      outlierProbability: a.obs.inDomain === null ? null : 1 - a.obs.inDomain,
    },
    lastEscalationAtMs: undefined,
    nowMs: 0,
    auditRoll: 0.5,
    confidentAuditRate: 0,
    ...(policy ? { escalationPolicy: { model: policy, observation: a.obs } } : {}),
  });
  if (d.kind === 'escalate_sync') return true;
  if (d.kind === 'answer_edge') return d.escalate === 'background';
  throw new Error(`unexpected decision ${d.kind} (${d.reason}) for a trained model's answer`);
}

/** Area under the risk–coverage curve when answers are kept in order of `score` (lower = keep first). */
function aurc(score: number[], wrong: boolean[]): number {
  const order = score.map((s, i) => ({ s, w: wrong[i]! })).sort((a, b) => a.s - b.s);
  let errors = 0;
  let area = 0;
  order.forEach((o, i) => {
    if (o.w) errors++;
    area += errors / (i + 1);
  });
  return area / order.length;
}

/** Largest coverage whose kept error (keeping in `score` order) is ≤ r. */
function coverageAt(score: number[], wrong: boolean[], r: number): number {
  const order = score.map((s, i) => ({ s, w: wrong[i]! })).sort((a, b) => a.s - b.s);
  let errors = 0;
  let best = 0;
  order.forEach((o, i) => {
    if (o.w) errors++;
    if (errors / (i + 1) <= r) best = (i + 1) / order.length;
  });
  return best;
}

/**
 * False escalations at the best operating point of a ranking chosen on the test answers themselves (the largest
 * kept share whose error is ≤ r): what no certificate can beat with this ranking, the ceiling of its features.
 */
function oracleFalseEscalations(score: number[], correct: boolean[], r: number): number {
  const order = score.map((s, i) => ({ s, c: correct[i]! })).sort((a, b) => a.s - b.s);
  let errors = 0;
  let keptCorrect = 0;
  let best = 0;
  order.forEach((o, i) => {
    if (o.c) keptCorrect++;
    else errors++;
    if (errors / (i + 1) <= r) best = keptCorrect;
  });
  return correct.filter(Boolean).length - best;
}

/** The rankings whose ceiling the bench prints (lower score = kept first). */
const CEILING_RANKINGS = ['adjusted confidence', 'raw confidence', 'policy risk'] as const;
type CeilingRanking = (typeof CEILING_RANKINGS)[number];

interface TestCounts {
  n: number;
  escalated: number;
  falseEscalations: number;
  kept: number;
  keptWrong: number;
}
const counts = (escalate: boolean[], correct: boolean[], idx: readonly number[]): TestCounts => {
  const c = { n: idx.length, escalated: 0, falseEscalations: 0, kept: 0, keptWrong: 0 };
  for (const i of idx) {
    if (escalate[i]) {
      c.escalated++;
      if (correct[i]) c.falseEscalations++;
    } else {
      c.kept++;
      if (!correct[i]) c.keptWrong++;
    }
  }
  return c;
};

// ---------------------------------------------------------------- one detector

interface DetectorResult {
  name: string;
  labelsA: number;
  versions: number;
  history: number;
  targetRisk: number;
  fit: ReturnType<typeof fitEscalationPolicy>;
  correct: boolean[];
  escBase: boolean[];
  escPolicy: boolean[];
  aurcConf: number;
  aurcPolicy: number;
  covConf: number;
  covPolicy: number;
  /** False escalations at each ranking's oracle operating point (oracleFalseEscalations). */
  oracleFe: Record<CeilingRanking, number>;
  trainSeconds: number;
}

function runDetector(
  det: DetectorCase,
  stream: { set: GreyImageSet; feats: Float32Array[] },
  test: { set: GreyImageSet; feats: Float32Array[] },
  base: { backbone: { id: string; sha256: string; featureDim: number }; pipeline: VisionEngine['pipeline'] },
): DetectorResult {
  const spec = {
    id: `det_bench_${det.name.replace(/\W+/g, '_')}`,
    mode: det.mode,
    modeConfiguration: det.classNames ? { class_names: det.classNames } : null,
    confidenceThreshold: THRESHOLD,
  };
  const seen = new Set(det.classes);
  const streamIdx = stream.set.classes.map((c, i) => (seen.has(c) ? i : -1)).filter((i) => i >= 0);
  const testIdx = test.set.classes.map((c, i) => (seen.has(c) ? i : -1)).filter((i) => i >= 0);
  const coldN = Math.round(((streamIdx.length * BASE_STREAM) / STREAM) * COLD_START_FRACTION);
  const rng = mulberry32(det.name.length * 7919 + 17);

  // A. cold start with the threshold policy and the real training code.
  const labelled: LabelledExample[] = [];
  let model: Candidate | null = null;
  let index: NeighborIndex | null = null;
  let versions = 0;
  const firstAt = 8 * det.classes.length;
  let trainSeconds = 0;
  const train = (): void => {
    try {
      const cand = trainCandidate({ ...base, detector: spec, examples: labelled });
      model = cand;
      index = NeighborIndex.load(cand.primary.metadata.neighbor_index, base.backbone.featureDim);
      versions++;
      trainSeconds += cand.trainSeconds;
      log(
        `  ${det.name}: v${versions} on ${labelled.length} labels (held-out acc ${pct(cand.evaluation.accuracy)}, ${cand.trainSeconds.toFixed(1)} s)`,
      );
    } catch (err) {
      log(`  ${det.name}: not trained on ${labelled.length} labels (${(err as Error).message})`);
    }
  };
  for (const i of streamIdx.slice(0, coldN)) {
    const f = stream.feats[i]!;
    const truth = det.label(stream.set.classes[i]!);
    let labelIt = true;
    if (model) {
      const a = answerWith(model, index, det.mode, stream.set.ids[i]!, f, truth, null);
      labelIt = edgeEscalates(a, det.mode, null) || rng() < AUDIT_RATE;
    }
    if (labelIt) labelled.push({ id: stream.set.ids[i]!, features: f, label: truth });
    if (versions === 0 && labelled.length >= firstAt) train();
  }
  train();
  if (!model) throw new Error(`${det.name}: no model after the cold start`);
  const m: Candidate = model;

  // B. history: the deployed model, threshold policy, escalations + audits labelled by the oracle.
  const history: PolicyHistoryExample[] = [];
  const recentAudits: boolean[] = [];
  const disagreement = (): number | null =>
    !SIMULATE_AUDIT_DISAGREEMENT || recentAudits.length === 0
      ? null
      : recentAudits.slice(-50).filter((x) => !x).length / Math.min(50, recentAudits.length);
  for (const i of streamIdx.slice(coldN)) {
    const a = answerWith(
      m,
      index,
      det.mode,
      stream.set.ids[i]!,
      stream.feats[i]!,
      det.label(stream.set.classes[i]!),
      disagreement(),
    );
    if (edgeEscalates(a, det.mode, null))
      history.push({ id: a.id, observation: a.obs, label: a.truth, labelledProbability: 1 });
    else if (rng() < AUDIT_RATE) {
      history.push({ id: a.id, observation: a.obs, label: a.truth, labelledProbability: AUDIT_RATE });
      recentAudits.push(a.correct);
    }
  }
  const fit = fitEscalationPolicy({
    history,
    threshold: THRESHOLD,
    mode: det.mode,
    options: { neighbors: NEIGHBORS },
  });
  const targetRisk = fit.targetRisk;
  const h = fit.heldOut;
  const rc = fit.riskControl;
  log(
    `  ${det.name}: history ${history.length} labelled (fit ${fit.fitExamples} / cal ${fit.calibrationExamples}; r* ${pct(fit.targetRisk, 2)}: predicted ${pct(fit.targetRiskEstimate.predicted, 2)}, audited ${pct(fit.targetRiskEstimate.audited, 2)} of ${fit.targetRiskEstimate.audits} audits, bound ${pct(fit.targetRiskEstimate.auditUpper, 2)}), ${fit.reason}${rc?.lambda != null ? ` λ ${num(rc.lambda)} (bound ${pct(rc.bound, 2)}, kept ${pct(rc.keptShare)})` : ''}${h ? `; cal: escalation ${pct(h.escalation_rate_threshold)} → ${pct(h.escalation_rate_policy)}, edge error ${pct(h.edge_error_threshold, 2)} → ${pct(h.edge_error_policy, 2)}, AURC ${num(h.aurc_confidence, 4)} → ${num(h.aurc_policy, 4)}` : ''}`,
  );

  // C. test: every query, the truth known.
  const finalDisagreement = disagreement();
  const answers = testIdx.map((i) =>
    answerWith(
      m,
      index,
      det.mode,
      test.set.ids[i]!,
      test.feats[i]!,
      det.label(test.set.classes[i]!),
      finalDisagreement,
    ),
  );
  // BENCH_DUMP=<dir>: the labelled history and the test answers as JSON, to study a fit without retraining.
  const dumpDir = process.env['BENCH_DUMP'];
  if (dumpDir) {
    mkdirSync(dumpDir, { recursive: true });
    writeFileSync(
      path.join(dumpDir, `${spec.id}.json`),
      JSON.stringify({
        name: det.name,
        mode: det.mode,
        threshold: THRESHOLD,
        coldStartLabelled: labelled.map((l) => l.id),
        history,
        answers,
      }),
    );
  }
  // The product's default (escalation_policy unset): the learned policy only when it won on held-out history.
  const policy: EscalationPolicyModel | null = fit.model?.held_out.won ? fit.model : null;
  // The policy's ranking, measured whenever a risk model was fitted (certified or not): the threshold's
  // confident answers first (by confidence), then the escalated ones by risk.
  const riskModel = fit.riskModel;
  const ranking = riskModel
    ? answers.map((a) =>
        a.adjusted >= THRESHOLD ? -1 - a.adjusted : evaluateEscalationPolicy(riskModel, a.obs).risk,
      )
    : null;
  const correct = answers.map((a) => a.correct);
  const escBase = answers.map((a) => edgeEscalates(a, det.mode, null));
  // As the edge decides (the policy only rescues answers the threshold escalates; none: the threshold policy).
  const escPolicy = policy ? answers.map((a) => edgeEscalates(a, det.mode, policy)) : escBase;
  const wrong = correct.map((c) => !c);
  const confScore = answers.map((a) => -a.adjusted);
  const riskScore = ranking ?? confScore;
  const baseKept = counts(
    escBase,
    correct,
    answers.map((_, i) => i),
  );
  const rTest = baseKept.kept > 0 ? baseKept.keptWrong / baseKept.kept : 0;
  return {
    name: det.name,
    labelsA: labelled.length,
    versions,
    history: history.length,
    targetRisk,
    fit,
    correct,
    escBase,
    escPolicy,
    aurcConf: aurc(confScore, wrong),
    aurcPolicy: aurc(riskScore, wrong),
    covConf: coverageAt(confScore, wrong, rTest),
    covPolicy: coverageAt(riskScore, wrong, rTest),
    oracleFe: {
      'adjusted confidence': oracleFalseEscalations(confScore, correct, rTest),
      'raw confidence': oracleFalseEscalations(
        answers.map((a) => -Math.max(...a.obs.probabilities)),
        correct,
        rTest,
      ),
      'policy risk': oracleFalseEscalations(riskScore, correct, rTest),
    },
    trainSeconds,
  };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = performance.now();
  const { engine, backbone } = await openFashionBench();
  const streamSet = await fashionMnist('train', seededSample(60_000, STREAM, 21));
  const testSet = await fashionMnist('t10k', seededSample(10_000, 3000, 22));
  const stream = { set: streamSet, feats: await features(engine, streamSet, 'fm-stream') };
  const test = { set: testSet, feats: await features(engine, testSet, 'fm-test') };
  await engine.release();

  const results: DetectorResult[] = [];
  for (const det of DETECTORS) {
    log(`detector ${det.name}`);
    results.push(runDetector(det, stream, test, { backbone, pipeline: engine.pipeline }));
  }

  const all = (r: DetectorResult) => r.correct.map((_, i) => i);
  const rows = results.map((r) => {
    const b = counts(r.escBase, r.correct, all(r));
    const p = counts(r.escPolicy, r.correct, all(r));
    const rc = r.fit.riskControl;
    return [
      r.name,
      `${r.labelsA} / v${r.versions}`,
      `${r.history} (r* ${pct(r.targetRisk, 2)})`,
      r.fit.model?.held_out.won
        ? `learned (λ ${num(rc!.lambda!)}, LTT bound ${pct(rc!.bound, 3)})`
        : `threshold (${r.fit.reason})`,
      String(b.n),
      `${pct(b.escalated / b.n)} → ${pct(p.escalated / p.n)}`,
      `${pct(b.falseEscalations / b.n)} → ${pct(p.falseEscalations / p.n)}`,
      `${pct(b.keptWrong / Math.max(1, b.kept), 2)} → ${pct(p.keptWrong / Math.max(1, p.kept), 2)}`,
      `${num(r.aurcConf, 4)} → ${num(r.aurcPolicy, 4)}`,
      `${pct(r.covConf)} → ${pct(r.covPolicy)}`,
    ];
  });

  // Pooled totals and the bootstrap (resampling test queries within each detector).
  const pooled = (pick: (r: DetectorResult) => readonly number[]) => {
    const t = { n: 0, escB: 0, escP: 0, feB: 0, feP: 0, keptB: 0, keptP: 0, wrongB: 0, wrongP: 0 };
    results.forEach((r) => {
      const idx = pick(r);
      const b = counts(r.escBase, r.correct, idx);
      const p = counts(r.escPolicy, r.correct, idx);
      t.n += b.n;
      t.escB += b.escalated;
      t.escP += p.escalated;
      t.feB += b.falseEscalations;
      t.feP += p.falseEscalations;
      t.keptB += b.kept;
      t.keptP += p.kept;
      t.wrongB += b.keptWrong;
      t.wrongP += p.keptWrong;
    });
    return t;
  };
  const total = pooled(all);
  const reduction = (t: ReturnType<typeof pooled>): number => 1 - t.feP / Math.max(1, t.feB);
  const rng = mulberry32(2026);
  const boots: number[] = [];
  const errDiff: number[] = [];
  for (let b = 0; b < BOOTSTRAP; b++) {
    const t = pooled((r) => r.correct.map(() => Math.floor(rng() * r.correct.length)));
    boots.push(reduction(t));
    errDiff.push(t.wrongP / Math.max(1, t.keptP) - t.wrongB / Math.max(1, t.keptB));
  }
  const q = (xs: number[], p: number): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!;
  const fe = reduction(total);
  const errBase = total.wrongB / Math.max(1, total.keptB);
  const errPolicy = total.wrongP / Math.max(1, total.keptP);

  const out = [
    `# bench:escalation — learned escalation policy vs threshold ${THRESHOLD} (Fashion-MNIST, ${os.cpus().length} cores)`,
    '',
    `Stream ${streamSet.ids.length} train-split images (cold start ${COLD_START_FRACTION * 100}% of each detector's share of ${BASE_STREAM}, then history), test ${testSet.ids.length} test-split images; audit rate ${AUDIT_RATE}; k = ${NEIGHBORS} neighbours (the package's neighbour index); Learn-then-Test δ = 0.1.`,
    'Columns "a → b": threshold policy → learned policy (the threshold policy where the fit fell back). FE = false escalations per test query (escalated although the edge was right); edge error = error of the answers kept at the edge; coverage at r_test = largest share answered with kept error ≤ the threshold policy’s test edge error (ranking quality, oracle operating point).',
    '',
    table(
      [
        'detector',
        'cold-start labels / model',
        'history labelled (r*)',
        'policy',
        'test n',
        'escalation rate',
        'FE rate',
        'edge error',
        'AURC (conf → policy)',
        'coverage at r_test',
      ],
      rows,
    ),
    '',
    `Pooled over ${total.n} test queries: escalation ${pct(total.escB / total.n)} → ${pct(total.escP / total.n)}, false escalations ${total.feB} → ${total.feP}, edge error ${pct(errBase, 2)} → ${pct(errPolicy, 2)} (bootstrap 90% interval of the difference ${pct(q(errDiff, 0.05), 2)} … ${pct(q(errDiff, 0.95), 2)}).`,
    `FE reduction 1 − FE_policy/FE_threshold = ${num(fe)} (bootstrap 90% interval ${num(q(boots, 0.05))} … ${num(q(boots, 0.95))}, ${BOOTSTRAP} resamples). Training time ${results.reduce((a, r) => a + r.trainSeconds, 0).toFixed(0)} s; total ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    `Ceiling of each ranking at its oracle operating point (chosen on the test answers, kept error ≤ the threshold policy's test edge error; not a policy): FE reduction ${CEILING_RANKINGS.map((k) => `${k} ${num(1 - results.reduce((a, r) => a + r.oracleFe[k], 0) / Math.max(1, total.feB))}`).join(', ')}.`,
    '',
    `RESULT fe_reduction=${num(fe, 4)} fe_reduction_ci90=${num(q(boots, 0.05), 4)}..${num(q(boots, 0.95), 4)} edge_error_base=${num(errBase, 4)} edge_error_policy=${num(errPolicy, 4)} escalation_rate_base=${num(total.escB / total.n, 4)} escalation_rate_policy=${num(total.escP / total.n, 4)}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
