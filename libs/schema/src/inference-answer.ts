/**
 * The inference service's `/infer` answer: produced by apps/inference, parsed by the edge. One detector is
 * answered at top level, several as `{ results: [...] }`; `timings_ms` is always at top level.
 *
 * `adjusted_confidence` is the OODD-adjusted confidence (libs/decision `adjustConfidenceWithOodd`), so the
 * consumer need not recompute it.
 */
import { z } from 'zod';
import { DetectorModeSchema } from './enums';

const Probability = z.number().min(0).max(1);

export const ModelVersionRefSchema = z.object({ version: z.number().int().min(0), model_id: z.string() });
export type ModelVersionRef = z.infer<typeof ModelVersionRefSchema>;

export const DetectorAnswerSchema = z.object({
  detector_id: z.string().min(1),
  mode: DetectorModeSchema,
  /** The primary model's top class. */
  label: z.object({ index: z.number().int().min(0), name: z.string() }),
  /** Class name → probability, in the model's class order. */
  probabilities: z.record(z.string(), Probability),
  /** Raw top-class probability of the primary model. */
  confidence: Probability,
  /** OODD in-domain probability; null when the detector has no OODD model. */
  in_domain_probability: Probability.nullable(),
  adjusted_confidence: Probability,
  model_versions: z.object({ primary: ModelVersionRefSchema, oodd: ModelVersionRefSchema.nullable() }),
});
export type DetectorAnswer = z.infer<typeof DetectorAnswerSchema>;

export const InferTimingsSchema = z.object({
  decode: z.number(),
  backbone: z.number(),
  heads: z.number(),
  total: z.number(),
});
export type InferTimings = z.infer<typeof InferTimingsSchema>;

export const SingleInferResponseSchema = DetectorAnswerSchema.extend({ timings_ms: InferTimingsSchema });
export const MultiInferResponseSchema = z.object({
  results: z.array(DetectorAnswerSchema),
  timings_ms: InferTimingsSchema,
});
export const InferResponseSchema = z.union([SingleInferResponseSchema, MultiInferResponseSchema]);
export type InferResponse = z.infer<typeof InferResponseSchema>;

/** The response body for `answers` (one → top level, several → results). */
export function inferResponse(answers: readonly DetectorAnswer[], timings: InferTimings): InferResponse {
  return answers.length === 1
    ? { ...answers[0]!, timings_ms: timings }
    : { results: [...answers], timings_ms: timings };
}

/** The answers of a response body, in request order; a readable error when it is not one. */
export function parseInferResponse(
  json: unknown,
): { ok: true; answers: DetectorAnswer[]; timings: InferTimings } | { ok: false; error: string } {
  // Picked by shape, so an error names the field instead of "no union member matched".
  const schema =
    typeof json === 'object' && json !== null && 'results' in json
      ? MultiInferResponseSchema
      : SingleInferResponseSchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: `unexpected inference response: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}`,
    };
  }
  const r: InferResponse = parsed.data;
  return 'results' in r
    ? { ok: true, answers: r.results, timings: r.timings_ms }
    : { ok: true, answers: [stripTimings(r)], timings: r.timings_ms };
}

function stripTimings(r: z.infer<typeof SingleInferResponseSchema>): DetectorAnswer {
  const { timings_ms: _timings, ...answer } = r;
  return answer;
}
