/**
 * The inference service's `/infer` answer: produced by apps/inference, parsed by the edge. One detector is
 * answered at top level, several as `{ results: [...] }`; `timings_ms` is always at top level.
 *
 * `adjusted_confidence` is the OODD-adjusted confidence (libs/decision `adjustConfidenceWithOodd`), so the
 * consumer need not recompute it.
 *
 * Who answered (`answered_by`): a trained model package (classification heads on the backbone), the built-in
 * COCO object detector (COUNT, BOUNDING_BOX) or the built-in OCR (TEXT). Built-in answers carry the mode's
 * part (`count`, `boxes`, `text`), have no OODD model (`in_domain_probability` null) and name the built-in
 * model as primary version 0. `label` is still filled so index-based consumers keep working: COUNT → the
 * count class ("0"…, GREATER_THAN_MAX at max_count + 1, class-layout.ts), BOUNDING_BOX → the index into
 * BOUNDING_BOX_LABELS, TEXT → index 0 with the text as name. `unanswered` says the service had no model for the
 * detector's class (for example a class outside COCO): confidence 0, and the edge treats it as "no model".
 */
import { z } from 'zod';
import type { DetectorMode } from './enums';
import { BOUNDING_BOX_LABELS, DetectorModeSchema } from './enums';
import { EscalationPolicyModelSchema } from './escalation-policy';
import { ModelExplanationSchema } from './explanation';
import { modeConfigurationSchema, RoiSchema } from './rest';

const Probability = z.number().min(0).max(1);

export const ModelVersionRefSchema = z.object({ version: z.number().int().min(0), model_id: z.string() });
export type ModelVersionRef = z.infer<typeof ModelVersionRefSchema>;

export const ANSWERED_BY = ['trained_model', 'coco_detector', 'ocr'] as const;
export const AnsweredBySchema = z.enum(ANSWERED_BY);
export type AnsweredBy = z.infer<typeof AnsweredBySchema>;

/** COUNT from detections: the count capped at max_count, the boxes it rests on (best first). */
export const CountPartSchema = z.object({
  count: z.number().int().min(0),
  greater_than_max: z.boolean(),
  confidence: Probability,
  rois: z.array(RoiSchema),
});
export type CountPart = z.infer<typeof CountPartSchema>;

/** BOUNDING_BOX: the Groundlight label and at most max_num_bboxes boxes (normalised, best first). */
export const BoxesPartSchema = z.object({
  label: z.enum(BOUNDING_BOX_LABELS),
  rois: z.array(RoiSchema),
  confidence: Probability,
});
export type BoxesPart = z.infer<typeof BoxesPartSchema>;

/** TEXT: the text cut at value_max_length (`truncated` says it was). */
export const TextPartSchema = z.object({
  text: z.string(),
  truncated: z.boolean(),
  confidence: Probability,
});
export type TextPart = z.infer<typeof TextPartSchema>;

export const UNANSWERED_CODES = ['NO_MODEL_FOR_CLASS'] as const;
export const UnansweredSchema = z.object({ code: z.enum(UNANSWERED_CODES), detail: z.string() });
export type Unanswered = z.infer<typeof UnansweredSchema>;

/**
 * A trained primary's learned escalation policy (escalation-policy.ts) and what it reads that only the model side
 * knows: the labels of the nearest labelled examples (most similar first) and the model version's age. The edge
 * decides with it when the detector's `escalation_policy` setting allows (libs/decision selectEscalationPolicy).
 */
export const PolicyInputsSchema = z.object({
  model: EscalationPolicyModelSchema,
  neighbor_labels: z.array(z.string()),
  model_age_days: z.number().min(0),
});
export type PolicyInputs = z.infer<typeof PolicyInputsSchema>;

export const DetectorAnswerSchema = z.object({
  detector_id: z.string().min(1),
  mode: DetectorModeSchema,
  /** The primary model's top class. */
  label: z.object({ index: z.number().int().min(0), name: z.string() }),
  /** Class name → probability, in the model's class order; empty for built-in answers (no distribution). */
  probabilities: z.record(z.string(), Probability),
  /** Raw top-class probability of the primary model. */
  confidence: Probability,
  /** OODD in-domain probability; null when the detector has no OODD model. */
  in_domain_probability: Probability.nullable(),
  adjusted_confidence: Probability,
  model_versions: z.object({ primary: ModelVersionRefSchema, oodd: ModelVersionRefSchema.nullable() }),
  /** Absent in answers from services before the built-in models: read as 'trained_model'. */
  answered_by: AnsweredBySchema.optional(),
  count: CountPartSchema.optional(),
  boxes: BoxesPartSchema.optional(),
  text: TextPartSchema.optional(),
  unanswered: UnansweredSchema.optional(),
  /**
   * The model side of the answer's explanation (explanation.ts): what the model saw, the in-domain check, the
   * evidence map and the nearest labelled examples. Absent in answers from services before explanations.
   */
  explanation: ModelExplanationSchema.optional(),
  /** Present when the primary package ships a learned escalation policy. */
  escalation_policy: PolicyInputsSchema.optional(),
});
export type DetectorAnswer = z.infer<typeof DetectorAnswerSchema>;

export const InferTimingsSchema = z.object({
  decode: z.number(),
  backbone: z.number(),
  heads: z.number(),
  /** The COCO detector's run (preprocessing included), when a detector asked for it. */
  detector: z.number().optional(),
  /** OCR (detection + recognition, decoding included), when a TEXT detector asked for it. */
  ocr: z.number().optional(),
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

/**
 * What the inference service must know of a detector to answer it without a trained package: its mode and
 * `mode_configuration` (checked per mode, rest.ts). Comes with the request (`detectorSpecFromQuery`) or from
 * `models/<id>/detector.json` (model-store.ts).
 */
export const DetectorSpecSchema = z
  .object({
    mode: DetectorModeSchema,
    mode_configuration: z.record(z.string(), z.unknown()).nullable().default(null),
  })
  .superRefine((spec, ctx) => {
    const parsed = modeConfigurationSchema(spec.mode).safeParse(spec.mode_configuration);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', path: ['mode_configuration', ...issue.path], message: issue.message });
    }
  });
export type DetectorSpec = z.infer<typeof DetectorSpecSchema>;

/** The `/infer` query parameters that carry a spec, and the modes each configuration key belongs to. */
const SPEC_KEYS = {
  class_name: ['COUNT', 'BOUNDING_BOX'],
  max_count: ['COUNT'],
  max_num_bboxes: ['BOUNDING_BOX'],
  value_max_length: ['TEXT'],
} as const satisfies Record<string, readonly DetectorMode[]>;
const INTEGER_KEYS = new Set(['max_count', 'max_num_bboxes', 'value_max_length']);
export const DETECTOR_SPEC_PARAMS = ['mode', ...Object.keys(SPEC_KEYS)] as readonly string[];

/**
 * The spec a `/infer` query carries (`mode=COUNT&class_name=person&max_count=10`), null when it carries none;
 * an error sentence for the client otherwise (no mode, an unknown mode, a key of another mode, a bad number).
 */
export function detectorSpecFromQuery(
  query: URLSearchParams,
): { ok: true; spec: DetectorSpec | null } | { ok: false; error: string } {
  const present = DETECTOR_SPEC_PARAMS.filter((k) => query.has(k));
  if (present.length === 0) return { ok: true, spec: null };
  for (const k of present)
    if (query.getAll(k).length > 1) return { ok: false, error: `${k} may be given once` };
  const mode = query.get('mode');
  if (mode === null) return { ok: false, error: `mode is required with ${present.join(', ')}` };
  const parsedMode = DetectorModeSchema.safeParse(mode);
  if (!parsedMode.success)
    return {
      ok: false,
      error: `mode must be one of ${DetectorModeSchema.options.join(', ')}, got "${mode}"`,
    };
  const config: Record<string, unknown> = {};
  for (const [key, modes] of Object.entries(SPEC_KEYS)) {
    const raw = query.get(key);
    if (raw === null) continue;
    if (!(modes as readonly string[]).includes(parsedMode.data))
      return { ok: false, error: `${key} does not apply to ${parsedMode.data} detectors` };
    if (INTEGER_KEYS.has(key)) {
      if (!/^[0-9]{1,4}$/.test(raw))
        return { ok: false, error: `${key} must be a whole number, got "${raw}"` };
      config[key] = Number(raw);
    } else config[key] = raw;
  }
  if (
    (parsedMode.data === 'COUNT' || parsedMode.data === 'BOUNDING_BOX') &&
    config['class_name'] === undefined
  )
    return { ok: false, error: `class_name is required for ${parsedMode.data} detectors` };
  const spec = DetectorSpecSchema.safeParse({
    mode: parsedMode.data,
    mode_configuration: Object.keys(config).length > 0 ? config : null,
  });
  if (!spec.success) {
    const issue = spec.error.issues[0];
    const key = issue?.path[issue.path.length - 1];
    return {
      ok: false,
      error: `${parsedMode.data}: ${typeof key === 'string' ? `${key}: ` : ''}${issue?.message ?? 'invalid'}`,
    };
  }
  return { ok: true, spec: spec.data };
}

/** The query string for a spec (what `detectorSpecFromQuery` reads back), for clients of `/infer`. */
export function detectorSpecQuery(spec: DetectorSpec): string {
  const q = new URLSearchParams({ mode: spec.mode });
  for (const key of Object.keys(SPEC_KEYS)) {
    const v = spec.mode_configuration?.[key];
    if (typeof v === 'string' || typeof v === 'number') q.set(key, String(v));
  }
  return q.toString();
}
