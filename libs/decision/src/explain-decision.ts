/**
 * The decision's part of an explanation (libs/schema explanation.ts): the `confidence` step (the calibrated,
 * OODD-adjusted confidence against the threshold) and the `decision` step (answered / escalated, and why), as
 * sentences a person can read with the numbers behind them in `data`. Pure, like the decision it explains.
 *
 * The model's part (`observation`, `domain` steps, evidence map, neighbours) comes from whoever ran the model:
 * the inference service at the edge (`DetectorAnswer.explanation`), the cloud predictor in the cloud.
 * `modelSteps` writes the two model steps from an answer's numbers when the model side sent none (an older
 * service, a built-in model), so every answer still says what the model saw.
 *
 * Later answers (a cloud model, a reviewer) do not rewrite what the edge decided: `withLaterAnswer` appends
 * one step for them when the explanation is read, and the top-level label / confidence follow the answer.
 */
import type {
  Explanation,
  ExplanationStep,
  ImageQueryResult,
  ModelExplanation,
  Roi,
} from '@intellioptics/schema';
import type { CloudAnswerDecision } from './cloud-decision';
import { policyStep } from './escalation-policy';
import type { Decision, DecisionReason, EdgeConfidence } from './types';

/** What the decision was taken on, besides the decision itself. */
export interface ExplainDecisionInput {
  decision: Decision;
  /** The label the edge answered with (the model's top class), null when there is none. */
  label: string | null;
  /** `false` when the edge knew the cloud was unreachable. */
  cloudReachable?: boolean | undefined;
  /** `preset.min_time_between_escalations`, for the cooldown sentence. */
  cooldownSeconds?: number | undefined;
}

/**
 * Two decimals, the precision a person compares a confidence with a threshold at; more when two decimals
 * would round a value that is not 0 or 1 to one of them (a threshold of 0.999 is not "1.00").
 */
export function fmt(p: number): string {
  for (let digits = 2; digits < 6; digits++) {
    const s = p.toFixed(digits);
    if ((Number(s) !== 0 || p === 0) && (Number(s) !== 1 || p === 1)) return s;
  }
  return p.toFixed(6);
}

/** The `confidence` step of an edge (or cloud) answer. */
export function confidenceStep(edge: EdgeConfidence, label: string | null): ExplanationStep {
  const confident = edge.adjustedConfidence >= edge.threshold;
  const lowered = edge.adjustedConfidence < edge.rawConfidence;
  const of = label === null ? 'The confidence' : `The confidence in "${label}"`;
  const value = lowered
    ? `${fmt(edge.adjustedConfidence)} (${fmt(edge.rawConfidence)} from the model, lowered by the in-domain check)`
    : fmt(edge.adjustedConfidence);
  return {
    kind: 'confidence',
    text: `${of} is ${value}, ${confident ? 'at or above' : 'below'} the threshold ${fmt(edge.threshold)}.`,
    data: {
      raw_confidence: edge.rawConfidence,
      confidence: edge.adjustedConfidence,
      threshold: edge.threshold,
      confident,
    },
  };
}

/** Why an image query went to the cloud, as the end of a sentence ("…: <why>"). */
const WHY_ESCALATED: Record<DecisionReason, string> = {
  CONFIDENT: 'the confidence clears the threshold',
  AUDIT: 'a random audit puts a sample of confident answers in front of a reviewer',
  BELOW_THRESHOLD: 'the confidence is below the threshold',
  OUT_OF_DOMAIN:
    "the image looks unlike the detector's training images (the model's own confidence would have passed)",
  COOLDOWN: 'the detector escalated a moment ago',
  EDGE_ONLY: 'the preset keeps every answer at the edge',
  HUMAN_REVIEW_ALWAYS: 'the request asked for human review',
  WANT_ASYNC: 'the request asked for an asynchronous answer',
  NO_MODEL: 'no edge model is installed for this detector yet',
  INFERENCE_DOWN: 'the edge inference service is not available',
  EDGE_DISABLED: 'the edge does not answer this detector (its preset is disabled)',
  UNSUPPORTED_MODE: 'the edge cannot answer this kind of detector',
  INVALID_COMBINATION: 'the request combines options that exclude each other',
  INVALID_PARAMETER: 'a request value is invalid',
  POLICY_CONFIDENT: "the detector's learned escalation policy trusts this answer",
  POLICY_RISK: "the detector's learned escalation policy rates this answer likely wrong",
};

/** A reason as the end of a sentence ("escalated: <why>"). */
export function reasonInWords(reason: DecisionReason): string {
  return WHY_ESCALATED[reason];
}

function decisionText(input: ExplainDecisionInput): string {
  const { decision } = input;
  const offline = input.cloudReachable === false;
  switch (decision.kind) {
    case 'answer_edge':
      switch (decision.reason) {
        case 'CONFIDENT':
          return 'Answered at the edge: the confidence clears the threshold.';
        case 'POLICY_CONFIDENT':
          return `Answered at the edge: ${reasonInWords(decision.reason)}, although the confidence is below the threshold.`;
        case 'AUDIT':
          return 'Answered at the edge, and sent to the cloud as an audit: a random sample of confident answers is checked by a reviewer.';
        case 'COOLDOWN':
          return `Answered at the edge without escalating: the confidence is below the threshold, but this detector escalated less than ${input.cooldownSeconds ?? 'the cooldown'} s ago.`;
        case 'EDGE_ONLY':
          return 'Answered at the edge only: the confidence is below the threshold, but the preset never sends images to the cloud.';
        case 'BELOW_THRESHOLD':
        case 'OUT_OF_DOMAIN':
        case 'POLICY_RISK':
          return `Answered at the edge for now and escalated to the cloud${offline ? ' (queued until it can be reached)' : ''}: ${reasonInWords(decision.reason)}.`;
      }
      break;
    case 'escalate_sync':
      return `Escalated to the cloud: ${reasonInWords(decision.reason)}.${
        decision.fallback === 'edge_answer'
          ? ' The edge answer stands if the cloud cannot answer in time.'
          : ''
      }`;
    case 'accept_async':
      return `Accepted without an answer and queued for the cloud: ${reasonInWords(decision.reason)}${
        offline && decision.reason !== 'WANT_ASYNC' ? ', and the cloud cannot be reached right now' : ''
      }.`;
    case 'reject':
      return `Refused: ${decision.detail}`;
  }
}

function decisionData(input: ExplainDecisionInput): ExplanationStep['data'] {
  const { decision } = input;
  const escalated =
    decision.kind === 'answer_edge'
      ? decision.escalate !== 'none'
      : decision.kind === 'escalate_sync' || decision.kind === 'accept_async';
  return {
    outcome: decision.kind,
    reason: decision.reason,
    escalated,
    ...(decision.kind === 'answer_edge' ? { escalate: decision.escalate } : {}),
    ...(input.cloudReachable === false ? { cloud_reachable: false } : {}),
  };
}

/** The decision's steps: `confidence` (when inference ran) then `decision`. */
export function explainDecision(input: ExplainDecisionInput): ExplanationStep[] {
  const { decision } = input;
  const edge =
    decision.kind === 'answer_edge' ? decision : decision.kind === 'escalate_sync' ? decision.edge : null;
  return [
    ...(edge ? [confidenceStep(edge, input.label)] : []),
    ...(edge?.policy ? [policyStep(edge.policy)] : []),
    { kind: 'decision', text: decisionText(input), data: decisionData(input) },
  ];
}

/** The model's steps from an answer's numbers, for a model side that sent none. */
export function modelSteps(answer: {
  label: string;
  rawConfidence: number;
  inDomainProbability: number | null;
  /** 'coco_detector' | 'ocr' | 'trained_model' (how the answer came about, for the sentence). */
  answeredBy?: string | undefined;
  count?: number | undefined;
  boxes?: number | undefined;
}): ExplanationStep[] {
  const saw =
    answer.answeredBy === 'ocr'
      ? `The text reader read "${answer.label}" with confidence ${fmt(answer.rawConfidence)}.`
      : answer.answeredBy === 'coco_detector'
        ? `The object detector found ${answer.boxes ?? answer.count ?? 0} object(s) (answer "${answer.label}", confidence ${fmt(answer.rawConfidence)}).`
        : `The model answered "${answer.label}" with confidence ${fmt(answer.rawConfidence)}.`;
  const steps: ExplanationStep[] = [
    {
      kind: 'observation',
      text: saw,
      data: { label: answer.label, confidence: answer.rawConfidence },
    },
  ];
  if (answer.inDomainProbability !== null) {
    const p = answer.inDomainProbability;
    steps.push({
      kind: 'domain',
      text: `The in-domain check gives ${fmt(p)}: the image ${
        p >= 0.5 ? "looks like the detector's training images" : "looks unlike the detector's training images"
      }${p >= 0.5 ? '.' : ', so the confidence is pulled toward a guess.'}`,
      data: { in_domain_probability: p },
    });
  }
  return steps;
}

/** The whole explanation: the model's part, then the decision's steps; boxes / text spans when the mode has them. */
export function buildExplanation(args: {
  imageQueryId: string;
  label: string | null;
  confidence: number | null;
  model: ModelExplanation | null;
  decisionSteps: ExplanationStep[];
  rois?: Roi[] | null | undefined;
  textSpans?: { text: string; score: number }[] | null | undefined;
}): Explanation {
  return {
    image_query_id: args.imageQueryId,
    label: args.label,
    confidence: args.confidence === null ? null : clamp01(args.confidence),
    steps: [...(args.model?.steps ?? []), ...args.decisionSteps],
    evidence: args.model?.evidence ?? null,
    neighbors: args.model?.neighbors ?? [],
    ...(args.rois ? { rois: args.rois } : {}),
    ...(args.textSpans ? { text_spans: args.textSpans } : {}),
  };
}

/** The label an image query's result reads as (`count` and `text` as strings); null when it has none. */
export function resultLabel(result: ImageQueryResult | null | undefined): string | null {
  if (!result) return null;
  if ('label' in result) return result.label;
  if ('count' in result) return result.count === null ? null : String(result.count);
  if ('text' in result) return result.text;
  return null;
}

const HUMAN_SOURCES = new Set(['USER', 'HUMAN_AI_CLOUD_ENSEMBLE']);
const CLOUD_SOURCES = new Set(['CLOUD', 'CLOUD_ENSEMBLE', 'AI_CLOUD', 'AI_CLOUD_ENSEMBLE']);

/**
 * The explanation as of the image query's current answer: when a reviewer or the cloud answered after the
 * explanation was made, one `decision` step says so and the label / confidence are that answer's. Applied
 * when read (edge and cloud alike), so a relabel is always explained by the latest label.
 */
export function withLaterAnswer(
  explanation: Explanation,
  result: ImageQueryResult | null | undefined,
): Explanation {
  if (!result) return explanation;
  const label = resultLabel(result);
  const human = HUMAN_SOURCES.has(result.source);
  const cloud = !human && !result.from_edge && CLOUD_SOURCES.has(result.source);
  if (!human && !cloud) return explanation;
  const current = { ...explanation, label, confidence: result.confidence };
  // The cloud's own steps (made when the query reached it) already explain its answer.
  if (
    cloud &&
    explanation.steps.some((s) => s.data?.['where'] === 'cloud' || s.data?.['answered_by'] === 'cloud')
  )
    return current;
  const text = human
    ? `Labelled by a reviewer: "${label ?? ''}".`
    : `The cloud's answer: "${label ?? ''}"${result.confidence === null ? '' : ` (confidence ${fmt(result.confidence)})`}.`;
  return {
    ...current,
    steps: [
      ...explanation.steps,
      {
        kind: 'decision',
        text,
        data: { answered_by: human ? 'reviewer' : 'cloud', source: result.source },
      },
    ],
  };
}

/** The cloud's decision steps for a query it answers or queues (libs/decision cloud-decision.ts). */
export function explainCloudDecision(args: {
  decision: CloudAnswerDecision;
  /** The cloud model's numbers; null when it has no model for the detector. */
  edge: EdgeConfidence | null;
  label: string | null;
  /** True when the query came from an edge's escalation (its own steps come first). */
  escalated: boolean;
}): ExplanationStep[] {
  const { decision } = args;
  const where = args.escalated ? 'In the cloud: ' : '';
  const text = decision.confident
    ? `${where}answered by the cloud model: the confidence clears the threshold.`
    : decision.wantsHuman
      ? `${where}sent to the review queue: ${
          args.edge === null
            ? 'no cloud model answers this detector yet'
            : reasonInWords(decision.reason ?? 'BELOW_THRESHOLD')
        }.`
      : `${where}left unanswered for review later: ${
          args.edge === null
            ? 'no cloud model answers this detector yet'
            : 'the confidence is below the threshold'
        }, and this query is not sent to reviewers.`;
  const confidence = args.edge ? confidenceStep(args.edge, args.label) : null;
  if (confidence && args.escalated) confidence.text = `In the cloud: ${lowerFirst(confidence.text)}`;
  return [
    ...(confidence ? [confidence] : []),
    {
      kind: 'decision',
      text,
      data: {
        outcome: decision.outcome,
        reason: decision.reason,
        escalated: decision.wantsHuman,
        where: 'cloud',
        ...(decision.confident ? { answered_by: 'cloud' } : {}),
      },
    },
  ];
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
