/**
 * Explanations in the cloud. A query escalated by an edge keeps the edge's explanation (carried with the
 * escalation) and gets the cloud's own decision steps after it; a query sent straight to the cloud gets the
 * cloud predictor's model steps and the cloud's decision. Later answers (a reviewer's label) are added when
 * read (`withLaterAnswer`), so the stored explanation is written once, with the query.
 */
import {
  buildExplanation,
  explainCloudDecision,
  resultLabel,
  withLaterAnswer,
  type CloudAnswerDecision,
} from '@intellioptics/decision';
import type { Explanation, ImageQueryResult } from '@intellioptics/schema';
import type { CloudPrediction } from './cloud-predictor';
import type { ImageQueryEntity } from './image-query.entity';

export function cloudExplanation(args: {
  imageQueryId: string;
  /** The edge's explanation that came with the escalation; null for a query sent straight to the cloud. */
  fromEdge: Explanation | null;
  /** True when an edge escalated it (with or without an explanation). */
  escalated: boolean;
  prediction: CloudPrediction;
  decision: CloudAnswerDecision;
  threshold: number;
  result: ImageQueryResult | null;
}): Explanation {
  const { prediction } = args;
  const answered = prediction.kind === 'prediction' ? prediction : null;
  const label = resultLabel(args.result);
  const steps = explainCloudDecision({
    decision: args.decision,
    edge: answered
      ? {
          rawConfidence: answered.rawConfidence ?? answered.result.confidence,
          adjustedConfidence: answered.result.confidence,
          threshold: args.threshold,
        }
      : null,
    label,
    escalated: args.escalated,
  });
  if (args.fromEdge) {
    // The edge's answer stands unless the cloud model answered confidently.
    const cloudAnswers = args.decision.confident && answered !== null;
    return {
      ...args.fromEdge,
      image_query_id: args.imageQueryId,
      ...(cloudAnswers ? { label, confidence: answered.result.confidence } : {}),
      steps: [...args.fromEdge.steps, ...steps],
    };
  }
  return buildExplanation({
    imageQueryId: args.imageQueryId,
    label: answered ? label : null,
    confidence: answered ? answered.result.confidence : null,
    model: answered?.explanation ?? null,
    decisionSteps: steps,
    rois: answered?.rois,
    textSpans:
      answered?.text !== null && answered?.text !== undefined
        ? [{ text: answered.text, score: answered.result.confidence }]
        : undefined,
  });
}

/** The explanation as of the query's current answer; null for queries stored before explanations. */
export function currentExplanation(iq: ImageQueryEntity): Explanation | null {
  if (!iq.explanation) return null;
  const result = iq.result ? ({ ...iq.result, result_type: iq.resultType } as ImageQueryResult) : null;
  return withLaterAnswer(iq.explanation, result);
}
