/**
 * The inference service's `/infer` JSON reduced to what the edge needs. Kept in one place so a change of the
 * inference contract is a change here only.
 */
import { z } from 'zod';

export interface EdgePrediction {
  /** Index of the predicted class of the primary head (BINARY: 0 = YES, 1 = NO; COUNT: the count). */
  classIndex: number;
  /** The primary model's confidence in that class, before the OODD adjustment. */
  primaryConfidence: number;
  numClasses: number;
  /** Probability that the image is out of domain; null when no OODD model is installed. */
  outlierProbability: number | null;
  modelVersions: { primary: number | null; oodd: number | null };
  /** The model version ids (model_id.txt) when known. */
  modelIds: { primary: string | null; oodd: string | null };
  timingsMs: Record<string, number>;
}

const Num = z.number().finite();
const Prob = z.number().min(0).max(1);

const InferResponseSchema = z.object({
  label: z.union([z.string(), z.number()]).nullish(),
  class_index: z.number().int().min(0).optional(),
  label_index: z.number().int().min(0).optional(),
  probabilities: z.array(Prob).optional(),
  raw_confidence: Prob.nullish(),
  confidence: Prob.nullish(),
  num_classes: z.number().int().min(1).optional(),
  oodd: z
    .object({ in_domain_probability: Prob.nullish(), outlier_probability: Prob.nullish() })
    .passthrough()
    .nullish(),
  in_domain_probability: Prob.nullish(),
  model_versions: z.object({ primary: Num.nullish(), oodd: Num.nullish() }).passthrough().nullish(),
  model_ids: z.object({ primary: z.string().nullish(), oodd: z.string().nullish() }).passthrough().nullish(),
  timings_ms: z.record(z.string(), Num).nullish(),
});

export function parseInferenceResponse(
  json: unknown,
): { ok: true; value: EdgePrediction } | { ok: false; error: string } {
  const parsed = InferResponseSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      error: `unexpected inference response: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    };
  }
  const r = parsed.data;
  const probabilities = r.probabilities ?? [];
  let classIndex = r.class_index ?? r.label_index ?? (typeof r.label === 'number' ? r.label : undefined);
  if (classIndex === undefined && probabilities.length > 0) {
    classIndex = probabilities.indexOf(Math.max(...probabilities));
  }
  if (classIndex === undefined) return { ok: false, error: 'inference response has no class index' };
  const primaryConfidence = r.raw_confidence ?? r.confidence ?? probabilities[classIndex];
  if (primaryConfidence === undefined || primaryConfidence === null) {
    return { ok: false, error: 'inference response has no confidence' };
  }
  const inDomain = r.oodd?.in_domain_probability ?? r.in_domain_probability ?? null;
  const outlier = r.oodd?.outlier_probability ?? (inDomain === null ? null : 1 - inDomain);
  return {
    ok: true,
    value: {
      classIndex,
      primaryConfidence,
      numClasses: r.num_classes ?? Math.max(2, probabilities.length),
      outlierProbability: outlier,
      modelVersions: { primary: r.model_versions?.primary ?? null, oodd: r.model_versions?.oodd ?? null },
      modelIds: { primary: r.model_ids?.primary ?? null, oodd: r.model_ids?.oodd ?? null },
      timingsMs: r.timings_ms ?? {},
    },
  };
}
