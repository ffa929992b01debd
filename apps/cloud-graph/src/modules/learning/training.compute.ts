/**
 * The training worker's synchronous compute (#19), as pure functions of plain data: training.thread.ts runs
 * them in a worker thread so that seconds of fitting never block the API's event loop in the embedded
 * deployment (cloud API and training worker in one process). Inputs and results cross the thread boundary by
 * structured clone: no closures, no class instances (the candidate's `predict` is used here, never returned).
 */
import {
  chooseReasoningHead,
  trainCandidate,
  trainRecursiveCandidate,
  type BackboneSpec,
  type Calibration,
  type DetectorSpec,
  type HeldOutEvaluation,
  type LabelledExample,
  type PromotionConfig,
  type ReasoningChoice,
  type ReasoningSetting,
  type TokenExample,
  type TrainOptions,
} from '@intellioptics/learning';
import {
  fitTokenProjection,
  trainDensityHead,
  type BoxedMap,
  type DensityTrainResult,
  type ModelPackage,
  type PipelineConfig,
  type TokenProjection,
} from '@intellioptics/vision';
import { fitPolicyForVersion, type PolicyStepResult } from './escalation-policy.train';

export interface CandidateComputeInput {
  detector: DetectorSpec & { modeConfiguration: Record<string, unknown> | null };
  setting: ReasoningSetting;
  examples: LabelledExample[];
  /** The images' patch tokens when the recursive head trains too (trainsRecursive), else null. */
  tokens: { examples: TokenExample[]; projection: TokenProjection } | null;
  backbone: BackboneSpec;
  pipeline: PipelineConfig;
  options: TrainOptions;
  promotion: PromotionConfig;
  /** Each labelled image query's metadata (how it came to be labelled), for the escalation policy. */
  metadata: Map<string, unknown>;
}

/** What the worker stores and reports once the heads are trained. */
export interface CandidateComputeResult {
  /** The chosen primary (escalation policy included), its held-out evaluation and metrics. */
  chosen: {
    primary: ModelPackage;
    evaluation: HeldOutEvaluation;
    heldOutLabels: number[];
    metrics: Record<string, number>;
  };
  /** The linear candidate: its OODD package ships whichever head is primary. */
  linear: {
    oodd: ModelPackage;
    evaluation: HeldOutEvaluation;
    calibration: Calibration;
    examplesPerClass: Record<string, number>;
    skippedLabels: number;
  };
  recursive: {
    evaluation: HeldOutEvaluation;
    trainSeconds: number;
    haltThreshold: number | null;
    meanHaltStep: number | null;
  } | null;
  choice: ReasoningChoice;
  policy: PolicyStepResult;
}

/** Linear candidate → recursive candidate (with tokens) → head choice → escalation policy for the primary. */
export function computeCandidate(
  input: CandidateComputeInput,
  onLine: (line: string) => void = () => {},
): CandidateComputeResult {
  const { detector, setting, backbone, pipeline } = input;
  const candidate = trainCandidate({
    detector,
    examples: input.examples,
    backbone,
    pipeline,
    options: input.options,
    onProgress: (p) => onLine(`${p.stage}: ${p.message}`),
  });
  const recursive = input.tokens
    ? trainRecursiveCandidate({
        detector,
        examples: input.tokens.examples,
        projection: input.tokens.projection,
        heldOutIds: candidate.evaluation.exampleIds,
        inDomain: (f) => candidate.predict(f).inDomain,
        backbone,
        pipeline,
        neighborIndex: candidate.primary.metadata.neighbor_index,
        ...(input.options.recursive ? { settings: input.options.recursive } : {}),
        onProgress: (m) => onLine(`recursive: ${m}`),
      })
    : null;
  const choice = chooseReasoningHead(
    setting,
    candidate.evaluation,
    recursive?.evaluation ?? null,
    input.promotion,
  );
  const useRecursive = choice.head === 'recursive' && recursive !== null;
  const chosen = useRecursive
    ? {
        primary: recursive.primary,
        evaluation: recursive.evaluation,
        heldOutLabels: recursive.heldOutLabels,
        metrics: recursive.metrics,
      }
    : {
        primary: candidate.primary,
        evaluation: candidate.evaluation,
        heldOutLabels: candidate.heldOutLabels,
        metrics: candidate.metrics,
      };
  onLine(
    `reasoning ${setting}: ${choice.head} head (${choice.reason})` +
      (recursive
        ? `; held out ${candidate.evaluation.n}: linear accuracy ${fmt(candidate.evaluation.accuracy)} ECE ${fmt(candidate.evaluation.ece)}, recursive accuracy ${fmt(recursive.evaluation.accuracy)} ECE ${fmt(recursive.evaluation.ece)}, mean halting step ${fmt(recursive.metrics.held_out_mean_halt_step ?? NaN)}`
        : '') +
      (choice.recursiveOnlyRight !== null
        ? `; only recursive right ${choice.recursiveOnlyRight}, only linear right ${choice.linearOnlyRight}`
        : ''),
  );
  // The learned escalation policy (#18) ships in the primary package, fitted on the labelled history.
  const policy = fitPolicyForVersion({
    detector,
    candidate,
    examples: input.examples,
    metadata: input.metadata,
    head: useRecursive ? 'recursive' : 'linear',
    ...(input.options.l2 !== undefined ? { l2: input.options.l2 } : {}),
  });
  if (policy.model)
    chosen.primary = {
      ...chosen.primary,
      metadata: { ...chosen.primary.metadata, escalation_policy: policy.model },
    };
  onLine(policy.line);
  return {
    chosen,
    linear: {
      oodd: candidate.oodd,
      evaluation: candidate.evaluation,
      calibration: candidate.calibration,
      examplesPerClass: candidate.examplesPerClass,
      skippedLabels: candidate.skippedLabels,
    },
    recursive: recursive
      ? {
          evaluation: recursive.evaluation,
          trainSeconds: recursive.trainSeconds,
          haltThreshold: recursive.head.haltThreshold ?? null,
          meanHaltStep: recursive.metrics.held_out_mean_halt_step ?? null,
        }
      : null,
    choice,
    policy,
  };
}

export interface ProjectionComputeInput {
  maps: Float32Array[];
  dim: number;
  tokens: number;
  components: number;
}

export function computeTokenProjection(input: ProjectionComputeInput): TokenProjection {
  return fitTokenProjection(input.maps, input.dim, input.tokens, { components: input.components });
}

export interface DensityComputeInput {
  examples: BoxedMap[];
  featureDim: number;
  featureMapSize: number;
}

export function computeDensityHead(input: DensityComputeInput): DensityTrainResult {
  return trainDensityHead(input.examples, input.featureDim, input.featureMapSize);
}

/** The tasks a training thread runs, by name (training.thread.ts). */
export const TRAINING_TASKS = {
  candidate: computeCandidate,
  projection: computeTokenProjection,
  density: computeDensityHead,
} satisfies Record<string, (input: never, onLine: (line: string) => void) => unknown>;

export type TrainingTasks = typeof TRAINING_TASKS;

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
