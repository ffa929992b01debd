/**
 * The recursive reasoning head as a detector's candidate primary (#15), trained next to the linear candidate
 * (candidate.train.ts) on the SAME held-out split: the linear candidate's held-out ids are held out here too,
 * so `chooseReasoningHead` compares the two on the same images. The training split is cut once more (stable
 * id hash) into a fitting part and a calibration part: the head is fitted on the first, its halting threshold
 * and temperature on the second (fitTemperature keeps 1 below 50 calibration examples). The OODD model stays
 * the linear candidate's pooled one, so answers are OODD-gated the same way.
 *
 * Inputs are projected patch tokens (TokenProjection over the backbone's 7×7 map, fitted without labels by the
 * caller), one [tokens, components] array per image, and the image's pooled vector (for the OODD reading).
 */
import { classLayout } from '@intellioptics/schema';
import type { ModelPackage, PipelineConfig, TokenProjection } from '@intellioptics/vision';
import {
  buildRecursivePackage,
  calibrateHalting,
  calibrateRecursiveHead,
  predictRecursive,
  trainRecursiveHead,
  type RecursiveHead,
} from '@intellioptics/vision';
import type { BackboneSpec, DetectorSpec } from './candidate.train';
import { heldOutSplit } from './held-out.split';
import {
  evaluatePredictions,
  evaluationMetrics,
  metricsRecord,
  recallMetrics,
  type HeldOutEvaluation,
} from './metrics.evaluate';

export interface TokenExample {
  id: string;
  tokens: Float32Array;
  pooled: Float32Array;
  label: string;
}

export interface RecursiveTrainSettings {
  epochs?: number;
  /** Cycles per supervision step (1 = no gradient-free cycle; the bench's setting on 2 cores). */
  cycles?: number;
  steps?: number;
  /** Share of the training split kept for the halting threshold and the temperature. */
  calibrationFraction?: number;
  seed?: number;
}

export const DEFAULT_RECURSIVE_TRAIN: Required<RecursiveTrainSettings> = {
  epochs: 20,
  cycles: 1,
  steps: 3,
  calibrationFraction: 0.2,
  seed: 1,
};

export interface RecursiveCandidateInput {
  detector: DetectorSpec;
  examples: readonly TokenExample[];
  projection: TokenProjection;
  /** The linear candidate's held-out ids, in its order (its evaluation.exampleIds). */
  heldOutIds: readonly string[];
  /** The detector's OODD reading of a pooled vector (the linear candidate's model). */
  inDomain: (pooled: Float32Array) => number | null;
  backbone: BackboneSpec;
  pipeline: PipelineConfig;
  modelId?: string;
  neighborIndex?: ModelPackage['metadata']['neighbor_index'];
  settings?: RecursiveTrainSettings;
  now?: () => Date;
  onProgress?: (message: string) => void;
}

export interface RecursiveCandidate {
  primary: ModelPackage;
  head: RecursiveHead;
  evaluation: HeldOutEvaluation;
  heldOutLabels: number[];
  metrics: Record<string, number>;
  trainSeconds: number;
}

export function trainRecursiveCandidate(input: RecursiveCandidateInput): RecursiveCandidate {
  const t0 = performance.now();
  const s = { ...DEFAULT_RECURSIVE_TRAIN, ...input.settings };
  const layout = classLayout(input.detector.mode, input.detector.modeConfiguration);
  const { classNames } = layout;
  const byId = new Map<string, { ex: TokenExample; k: number }>();
  for (const ex of input.examples) {
    const k = layout.indexOf(ex.label);
    if (k !== null) byId.set(ex.id, { ex, k });
  }
  const held = input.heldOutIds.map((id) => {
    const e = byId.get(id);
    if (!e) throw new Error(`trainRecursiveCandidate: held-out image ${id} has no tokens`);
    return e;
  });
  const heldSet = new Set(input.heldOutIds);
  const train = [...byId.values()].filter((e) => !heldSet.has(e.ex.id));
  const cut = heldOutSplit(
    train.map((e) => ({ id: e.ex.id, classIndex: e.k })),
    s.calibrationFraction,
    'recursive-calibration',
  );
  const fit = cut.train.map((i) => train[i]!);
  const cal = cut.heldOut.map((i) => train[i]!);
  const shape = {
    tokens: input.projection.tokens,
    inDim: input.projection.components,
    classes: classNames.length,
  };
  const fitted = trainRecursiveHead(
    fit.map((e) => e.ex.tokens),
    fit.map((e) => e.k),
    shape,
    {
      config: { cycles: s.cycles, steps: s.steps },
      epochs: s.epochs,
      seed: s.seed,
      onEpoch: (epoch, loss) => {
        if (epoch === s.epochs || epoch % 5 === 0)
          input.onProgress?.(`recursive head epoch ${epoch}/${s.epochs}: loss ${loss.toFixed(4)}`);
      },
    },
  );
  const calTokens = cal.map((e) => e.ex.tokens);
  const calLabels = cal.map((e) => e.k);
  const halting = calibrateHalting(fitted, calTokens, calLabels);
  const head = calibrateRecursiveHead(fitted, calTokens, calLabels);
  input.onProgress?.(
    `recursive head: ${fit.length} fitted, ${cal.length} calibration; halting at ${head.haltThreshold} (mean ${halting.meanSteps.toFixed(2)} of ${head.config.steps} steps), temperature ${head.temperature.toFixed(3)}`,
  );

  const heldPred = held.map((e) => predictRecursive(head, e.ex.tokens));
  const evaluation = evaluatePredictions({
    exampleIds: held.map((e) => e.ex.id),
    labels: held.map((e) => e.k),
    predictions: heldPred.map((p, i) => ({
      probabilities: p.probabilities,
      inDomain: input.inDomain(held[i]!.ex.pooled),
    })),
    classNames,
    threshold: input.detector.confidenceThreshold,
  });
  const meanHalt = heldPred.reduce((a, p) => a + p.haltedAt, 0) / Math.max(1, heldPred.length);
  const trainSeconds = (performance.now() - t0) / 1000;
  const metrics = metricsRecord({
    held_out_examples: evaluation.n,
    train_examples: fit.length,
    calibration_examples: cal.length,
    ...evaluationMetrics(evaluation),
    temperature: head.temperature,
    halt_threshold: head.haltThreshold,
    held_out_mean_halt_step: meanHalt,
    train_seconds: trainSeconds,
    ...recallMetrics(evaluation),
  });
  const primary = buildRecursivePackage({
    head,
    projection: input.projection,
    pipeline: input.pipeline,
    backbone: input.backbone,
    modelId: input.modelId,
    calibration:
      head.temperature !== 1
        ? { method: 'temperature', temperature: head.temperature, held_out_examples: cal.length }
        : { method: 'none' },
    training: {
      examples_per_class: Object.fromEntries(
        classNames.map((n, k) => [n, [...byId.values()].filter((e) => e.k === k).length]),
      ),
      held_out_split: { method: 'id_hash_stratified', same_as: 'linear_candidate' },
      calibration_split: { method: 'id_hash_stratified', fraction: s.calibrationFraction },
      halting: {
        method: 'most_eager_threshold_without_accuracy_loss',
        calibration_accuracy_all_steps: halting.accuracyAllSteps,
        calibration_accuracy_halted: halting.accuracyHalted,
        calibration_mean_steps: halting.meanSteps,
      },
    },
    metrics,
    neighborIndex: input.neighborIndex ?? null,
    metadata: {
      mode: input.detector.mode,
      detectorId: input.detector.id,
      classNames,
      createdAt: (input.now ?? (() => new Date()))().toISOString(),
    },
  });
  return { primary, head, evaluation, heldOutLabels: held.map((e) => e.k), metrics, trainSeconds };
}
