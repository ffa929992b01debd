/**
 * The explanation of an edge answer: the model's part as the inference service sent it
 * (`DetectorAnswer.explanation`: observation / domain steps, evidence map, neighbours), else model steps
 * written from the answer's numbers, then the decision's steps (libs/decision explainDecision), and the boxes
 * (COUNT, BOUNDING_BOX) or text spans (TEXT) of the answer.
 */
import {
  buildExplanation,
  explainDecision,
  modelSteps,
  resultLabel,
  type Decision,
} from '@intellioptics/decision';
import type { Explanation, GroundlightAnswer, ModelExplanation } from '@intellioptics/schema';
import type { EdgePrediction } from '../inference-client/inference.client';

export function edgeExplanation(args: {
  imageQueryId: string;
  decision: Decision;
  prediction: EdgePrediction | null;
  /** The edge's answer as the client gets it; null when the edge has none. */
  result: GroundlightAnswer | null;
  cloudReachable: boolean | undefined;
  cooldownSeconds: number;
}): Explanation {
  const { decision, prediction, result } = args;
  const label = result ? resultLabel(result.result) : null;
  const edge =
    decision.kind === 'answer_edge' ? decision : decision.kind === 'escalate_sync' ? decision.edge : null;
  const answer = prediction?.answer;
  return buildExplanation({
    imageQueryId: args.imageQueryId,
    label,
    confidence: result && edge ? edge.adjustedConfidence : null,
    // An answer the model left open (a class it does not know, a compound rule it could not decide) still
    // says what the model saw: the compound's trace names the parts that were known and the one that was not.
    model: prediction && (result || answer?.unanswered) ? modelPart(prediction, label) : null,
    decisionSteps: explainDecision({
      decision,
      label,
      cloudReachable: args.cloudReachable,
      cooldownSeconds: args.cooldownSeconds,
    }),
    rois: result && answer && (answer.count || answer.boxes) ? (result.rois ?? []) : undefined,
    textSpans:
      result && answer?.text ? [{ text: answer.text.text, score: answer.text.confidence }] : undefined,
  });
}

/** The service's model part when it sent one, else steps from the numbers (a service before explanations). */
function modelPart(prediction: EdgePrediction, label: string | null): ModelExplanation {
  const { answer } = prediction;
  // Checked against the contract when the inference client parsed the answer (DetectorAnswerSchema).
  if (answer.explanation) return answer.explanation;
  return {
    steps: modelSteps({
      label: label ?? answer.label.name,
      rawConfidence: answer.confidence,
      inDomainProbability: answer.in_domain_probability,
      answeredBy: answer.answered_by,
      count: answer.count?.count,
      boxes: answer.boxes?.rois.length ?? answer.count?.rois.length,
    }),
    evidence: null,
    neighbors: [],
  };
}
