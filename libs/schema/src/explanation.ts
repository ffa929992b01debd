/**
 * Why an answer was given or escalated: the explanation of one image query. Computed where the answer is made
 * (edge, or cloud for cloud answers), stored with the image query, carried with its escalation, served by
 * `GET /device-api/v1/image-queries/{id}/explanation` (edge and cloud) and GraphQL `ImageQuery.explanation`.
 *
 * Three parts, each from the models that made the decision (not a text generator):
 * - `steps`: the reason chain, in order (what the model saw, the in-domain check, the confidence against the
 *   threshold, the decision and why); a recursive head adds one `reasoning` step per refinement step, a
 *   compound detector one `rule` step per sub-answer and the rule's evaluation;
 * - `evidence`: a map over the image (rows × cols, row-major, top row first; larger = more support for
 *   `evidence.label`), null when the model has none (built-in models give boxes or text spans instead);
 * - `neighbors`: the most similar labelled examples of the detector, from the index in its model package.
 *
 * The inference service returns the model-side parts (`ModelExplanation`) with its answer; the edge adds the
 * decision steps (libs/decision) and stores the whole `Explanation`.
 */
import { z } from 'zod';
import { RoiSchema } from './rest';

export const EXPLANATION_STEP_KINDS = [
  /** What the model saw: its top label and raw confidence (or the boxes / text it found). */
  'observation',
  /** The out-of-domain check: the OODD model's distance / in-domain probability and what it means. */
  'domain',
  /** The (calibrated, OODD-adjusted) confidence against the threshold. */
  'confidence',
  /** One refinement step of a recursive reasoning head (its label, confidence and evidence at that step). */
  'reasoning',
  /** The escalation policy's view (conformal set, neighbour agreement, ...). */
  'policy',
  /** A compound detector's sub-answer or the rule's evaluation. */
  'rule',
  /** The decision: answered at the edge / escalated, and why. */
  'decision',
] as const;
export const ExplanationStepKindSchema = z.enum(EXPLANATION_STEP_KINDS);
export type ExplanationStepKind = z.infer<typeof ExplanationStepKindSchema>;

/** A map over the image: `values` has rows × cols numbers, row-major, top row first. */
export const EvidenceMapSchema = z
  .object({
    rows: z.number().int().min(1).max(64),
    cols: z.number().int().min(1).max(64),
    values: z.array(z.number()),
    /** The label the values support (larger = more support). */
    label: z.string(),
  })
  .refine((m) => m.values.length === m.rows * m.cols, { message: 'values must have rows × cols numbers' });
export type EvidenceMap = z.infer<typeof EvidenceMapSchema>;

export const ExplanationStepSchema = z.object({
  kind: ExplanationStepKindSchema,
  /** One sentence a person can read. */
  text: z.string(),
  /** Machine-readable numbers behind the sentence (kind-specific: distance, threshold, step, halted...). */
  data: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])).optional(),
  /** A step's own map (a recursive head's map at that refinement step). */
  evidence: EvidenceMapSchema.optional(),
});
export type ExplanationStep = z.infer<typeof ExplanationStepSchema>;

export const NeighborSchema = z.object({
  /** The labelled image query the example came from. */
  image_query_id: z.string(),
  label: z.string(),
  /** Cosine similarity of the backbone features, -1..1. */
  similarity: z.number().min(-1).max(1),
});
export type Neighbor = z.infer<typeof NeighborSchema>;

/** What the model side (inference service, cloud predictor) contributes: everything but the decision. */
export const ModelExplanationSchema = z.object({
  steps: z.array(ExplanationStepSchema),
  evidence: EvidenceMapSchema.nullable(),
  neighbors: z.array(NeighborSchema),
});
export type ModelExplanation = z.infer<typeof ModelExplanationSchema>;

export const ExplanationSchema = z.object({
  image_query_id: z.string(),
  label: z.string().nullable(),
  confidence: z.number().min(0).max(1).nullable(),
  steps: z.array(ExplanationStepSchema),
  evidence: EvidenceMapSchema.nullable(),
  neighbors: z.array(NeighborSchema),
  /** COUNT / BOUNDING_BOX: the boxes the answer rests on, with their scores. */
  rois: z.array(RoiSchema).optional(),
  /** TEXT: the recognised spans. */
  text_spans: z.array(z.object({ text: z.string(), score: z.number() })).optional(),
});
export type Explanation = z.infer<typeof ExplanationSchema>;
