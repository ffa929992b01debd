/**
 * The inference service's `/infer` answer for one detector (apps/inference `DetectorAnswer`), reduced to what
 * the edge needs. Kept in one place so a change of the inference contract is a change here only.
 *
 * ```json
 * { "detector_id": "det_…", "mode": "BINARY", "label": { "index": 0, "name": "YES" },
 *   "probabilities": { "YES": 0.97, "NO": 0.03 }, "confidence": 0.97, "in_domain_probability": 0.99,
 *   "adjusted_confidence": 0.965, "model_versions": { "primary": { "version": 3, "model_id": "mv_…" },
 *   "oodd": { "version": 3, "model_id": "mv_…" } }, "timings_ms": { "decode": 1.2, … } }
 * ```
 * The OODD adjustment itself is recomputed by libs/decision (one policy, one place); the service's
 * `adjusted_confidence` is kept for the record only.
 */
import { z } from 'zod';

export interface EdgePrediction {
  /** Index of the predicted class of the primary head (BINARY: 0 = YES, 1 = NO; COUNT: the count). */
  classIndex: number;
  /** The class name the model reports, when it does. */
  labelName: string | null;
  /** The primary model's confidence in that class, before the OODD adjustment. */
  primaryConfidence: number;
  numClasses: number;
  /** Probability that the image is out of domain; null when no OODD model is installed. */
  outlierProbability: number | null;
  modelVersions: { primary: number | null; oodd: number | null };
  /** The cloud's model version ids (model_id.txt) when known. */
  modelIds: { primary: string | null; oodd: string | null };
  timingsMs: Record<string, number>;
}

const Prob = z.number().min(0).max(1);
const VersionRef = z.object({ version: z.number(), model_id: z.string().nullish() }).nullish();

const DetectorAnswerSchema = z.object({
  detector_id: z.string().optional(),
  mode: z.string().optional(),
  label: z.object({ index: z.number().int().min(0), name: z.string().nullish() }),
  probabilities: z.union([z.record(z.string(), Prob), z.array(Prob)]).optional(),
  confidence: Prob,
  in_domain_probability: Prob.nullish(),
  adjusted_confidence: Prob.nullish(),
  model_versions: z.object({ primary: VersionRef, oodd: VersionRef }).nullish(),
  timings_ms: z.record(z.string(), z.number()).nullish(),
});

const MultiAnswerSchema = z.object({ results: z.array(DetectorAnswerSchema) });

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function problem(error: z.ZodError): { ok: false; error: string } {
  const issue = error.issues[0];
  return {
    ok: false,
    error: `unexpected inference response: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
  };
}

/** The answer for one detector (`/infer?detector_id=a`). */
export function parseInferenceResponse(json: unknown): Parsed<EdgePrediction> {
  const parsed = DetectorAnswerSchema.safeParse(json);
  return parsed.success ? { ok: true, value: toPrediction(parsed.data) } : problem(parsed.error);
}

/** The answers for several detectors (`/infer?detector_id=a&detector_id=b` → `{results: [...]}`), by detector. */
export function parseInferenceResults(json: unknown): Parsed<Map<string, EdgePrediction>> {
  const parsed = MultiAnswerSchema.safeParse(json);
  if (!parsed.success) return problem(parsed.error);
  const out = new Map<string, EdgePrediction>();
  for (const answer of parsed.data.results) {
    if (answer.detector_id) out.set(answer.detector_id, toPrediction(answer));
  }
  return { ok: true, value: out };
}

function toPrediction(r: z.infer<typeof DetectorAnswerSchema>): EdgePrediction {
  const probs = r.probabilities ?? [];
  const numClasses = Array.isArray(probs) ? probs.length : Object.keys(probs).length;
  return {
    classIndex: r.label.index,
    labelName: r.label.name ?? null,
    primaryConfidence: r.confidence,
    numClasses: Math.max(2, numClasses),
    outlierProbability:
      r.in_domain_probability === null || r.in_domain_probability === undefined
        ? null
        : 1 - r.in_domain_probability,
    modelVersions: {
      primary: r.model_versions?.primary?.version ?? null,
      oodd: r.model_versions?.oodd?.version ?? null,
    },
    modelIds: {
      primary: r.model_versions?.primary?.model_id ?? null,
      oodd: r.model_versions?.oodd?.model_id ?? null,
    },
    timingsMs: r.timings_ms ?? {},
  };
}

/**
 * The class index to map onto the detector: the model's class name wins when it names a class the detector
 * knows (a model trained with another class order must not flip YES and NO); otherwise the index.
 */
export function detectorClassIndex(
  prediction: EdgePrediction,
  mode: string,
  modeConfiguration: Record<string, unknown> | null,
): number {
  const name = prediction.labelName;
  if (name === null) return prediction.classIndex;
  if (mode === 'BINARY') {
    const upper = name.toUpperCase();
    if (upper === 'YES' || upper === 'PASS') return 0;
    if (upper === 'NO' || upper === 'FAIL') return 1;
  }
  if (mode === 'MULTI_CLASS') {
    const names = modeConfiguration?.['class_names'];
    if (Array.isArray(names)) {
      const i = names.indexOf(name);
      if (i >= 0) return i;
    }
  }
  return prediction.classIndex;
}
