/**
 * The Groundlight REST wire contract (REST-COMPAT.md "Shapes"), as zod schemas. Every key the generated SDK
 * lists as required is present in our output (nullable ones as null), and `result_type` is repeated inside
 * `result` so the SDK's union resolution picks the right result class.
 */
import { z } from 'zod';
import {
  BOUNDING_BOX_LABELS,
  DetectorModeSchema,
  EscalationPolicyModeSchema,
  ReasoningModeSchema,
  ResultTypeSchema,
  SourceSchema,
} from './enums';

const Confidence = z.number().min(0).max(1);
const IsoDateTime = z.string().datetime({ offset: true });

export const BBoxGeometrySchema = z.object({
  left: z.number(),
  top: z.number(),
  right: z.number(),
  bottom: z.number(),
  x: z.number(),
  y: z.number(),
});
export type BBoxGeometry = z.infer<typeof BBoxGeometrySchema>;

export const RoiSchema = z.object({
  label: z.string(),
  score: z.number(),
  geometry: BBoxGeometrySchema,
});
export type Roi = z.infer<typeof RoiSchema>;

/** Fields every result object may carry. */
const ResultCommon = {
  confidence: Confidence.nullable(),
  source: SourceSchema,
  from_edge: z.boolean(),
};

export const BinaryClassificationResultSchema = z.object({
  ...ResultCommon,
  result_type: z.literal('binary_classification'),
  label: z.enum(['YES', 'NO', 'UNCLEAR']),
});
export const CountingResultSchema = z.object({
  ...ResultCommon,
  result_type: z.literal('counting'),
  count: z.number().int().min(0).nullable(),
  greater_than_max: z.boolean().optional(),
});
export const MultiClassificationResultSchema = z.object({
  ...ResultCommon,
  result_type: z.literal('multi_classification'),
  label: z.string(),
});
export const TextRecognitionResultSchema = z.object({
  ...ResultCommon,
  result_type: z.literal('text_recognition'),
  text: z.string().nullable(),
  truncated: z.boolean(),
});
export const BoundingBoxResultSchema = z.object({
  ...ResultCommon,
  result_type: z.literal('bounding_box'),
  label: z.enum(BOUNDING_BOX_LABELS),
});

export const ImageQueryResultSchema = z.discriminatedUnion('result_type', [
  BinaryClassificationResultSchema,
  CountingResultSchema,
  MultiClassificationResultSchema,
  TextRecognitionResultSchema,
  BoundingBoxResultSchema,
]);
export type BinaryClassificationResult = z.infer<typeof BinaryClassificationResultSchema>;
export type CountingResult = z.infer<typeof CountingResultSchema>;
export type MultiClassificationResult = z.infer<typeof MultiClassificationResultSchema>;
export type TextRecognitionResult = z.infer<typeof TextRecognitionResultSchema>;
export type BoundingBoxResult = z.infer<typeof BoundingBoxResultSchema>;
export type ImageQueryResult = z.infer<typeof ImageQueryResultSchema>;

export const ImageQuerySchema = z.object({
  metadata: z.record(z.string(), z.unknown()).nullable(),
  id: z.string(),
  type: z.literal('image_query'),
  created_at: IsoDateTime,
  query: z.string(),
  detector_id: z.string(),
  result_type: ResultTypeSchema,
  result: ImageQueryResultSchema.nullable(),
  patience_time: z.number(),
  confidence_threshold: Confidence,
  rois: z.array(RoiSchema).nullable(),
  text: z.string().nullable(),
  done_processing: z.boolean(),
});
export type ImageQuery = z.infer<typeof ImageQuerySchema>;

/** Per-mode configuration (`mode_configuration`). */
export const BinaryModeConfigurationSchema = z.object({}).passthrough();
export const CountModeConfigurationSchema = z.object({
  class_name: z.string().min(1),
  max_count: z.number().int().min(1).max(50).optional(),
});
export const MultiClassModeConfigurationSchema = z.object({
  class_names: z.array(z.string().min(1)).min(2),
  num_classes: z.number().int().optional(),
});
export const BoundingBoxModeConfigurationSchema = z.object({
  class_name: z.string().min(1),
  max_num_bboxes: z.number().int().min(1).max(50).optional(),
});
/** `value_max_length`: the longest text an answer carries (longer text is cut and `truncated` set). */
export const TextModeConfigurationSchema = z
  .object({ value_max_length: z.number().int().min(1).max(250).optional() })
  .passthrough();
export type CountModeConfiguration = z.infer<typeof CountModeConfigurationSchema>;
export type MultiClassModeConfiguration = z.infer<typeof MultiClassModeConfigurationSchema>;
export type BoundingBoxModeConfiguration = z.infer<typeof BoundingBoxModeConfigurationSchema>;
export type TextModeConfiguration = z.infer<typeof TextModeConfigurationSchema>;
export type ModeConfiguration = Record<string, unknown>;

/** The schema a mode's configuration must satisfy. */
export function modeConfigurationSchema(mode: z.infer<typeof DetectorModeSchema>): z.ZodType {
  switch (mode) {
    case 'BINARY':
      return BinaryModeConfigurationSchema.nullable();
    case 'COUNT':
      return CountModeConfigurationSchema;
    case 'MULTI_CLASS':
      return MultiClassModeConfigurationSchema;
    case 'BOUNDING_BOX':
      return BoundingBoxModeConfigurationSchema;
    case 'TEXT':
      return TextModeConfigurationSchema.nullable();
  }
}

export const DetectorSchema = z.object({
  id: z.string(),
  type: z.literal('detector'),
  created_at: IsoDateTime,
  name: z.string().max(200),
  query: z.string(),
  group_name: z.string(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  mode: DetectorModeSchema,
  mode_configuration: z.record(z.string(), z.unknown()).nullable(),
  confidence_threshold: Confidence,
  patience_time: z.number().min(0).max(3600),
  status: z.enum(['ON', 'OFF', '']),
  escalation_type: z.string(),
  /** A compound detector's rule over other detectors (compound-rule.ts); absent or null for the others. */
  rule: z.record(z.string(), z.unknown()).nullish(),
  /** IntelliOptics extensions (absent from Groundlight's shape; SDKs ignore them). */
  reasoning: ReasoningModeSchema.optional(),
  escalation_policy: EscalationPolicyModeSchema.nullish(),
});
export type Detector = z.infer<typeof DetectorSchema>;

/** `POST /detectors` body as the SDK sends it. `metadata` arrives as URL-safe base64 JSON or an object. */
export const DetectorCreationInputSchema = z
  .object({
    name: z.string().min(1).max(200),
    query: z.string().min(1).max(300),
    group_name: z.string().max(100).nullish(),
    confidence_threshold: Confidence.nullish(),
    patience_time: z.number().min(0).max(3600).nullish(),
    pipeline_config: z.string().nullish(),
    edge_pipeline_config: z.string().nullish(),
    metadata: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
    priming_group_id: z.string().nullish(),
    mode: DetectorModeSchema.nullish(),
    mode_configuration: z.record(z.string(), z.unknown()).nullish(),
    escalation_type: z.string().nullish(),
    reasoning: ReasoningModeSchema.nullish(),
    escalation_policy: EscalationPolicyModeSchema.nullish(),
  })
  .strict();
export type DetectorCreationInput = z.infer<typeof DetectorCreationInputSchema>;

export const PatchedDetectorInputSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    confidence_threshold: Confidence.optional(),
    patience_time: z.number().min(0).max(3600).optional(),
    status: z.enum(['ON', 'OFF']).optional(),
    escalation_type: z.enum(['STANDARD', 'NO_HUMAN_LABELING']).optional(),
    group_name: z.string().max(100).optional(),
    metadata: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
    reasoning: ReasoningModeSchema.optional(),
    /** null = back to the default (learned when it wins on held-out data). */
    escalation_policy: EscalationPolicyModeSchema.nullable().optional(),
  })
  .strict();
export type PatchedDetectorInput = z.infer<typeof PatchedDetectorInputSchema>;

export function paginatedSchema<T extends z.ZodType>(item: T) {
  return z.object({
    count: z.number().int().min(0),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });
}
export const PaginatedDetectorListSchema = paginatedSchema(DetectorSchema);
export const PaginatedImageQueryListSchema = paginatedSchema(ImageQuerySchema);
export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** `POST /labels` body. */
export const LabelInputSchema = z.object({
  label: z.string().min(1),
  image_query_id: z.string().regex(/^(iq_|chk_)/, 'image_query_id must start with iq_ or chk_'),
  rois: z
    .array(
      z.object({
        label: z.string(),
        geometry: BBoxGeometrySchema.partial({ x: true, y: true }),
        score: z.number().optional(),
      }),
    )
    .nullish(),
});
export type LabelInput = z.infer<typeof LabelInputSchema>;

/** `POST /labels` response (`LabelValue`): `detector_id` is an integer or null in the spec. */
export const LabelValueSchema = z.object({
  confidence: z.number().nullable(),
  class_name: z.string().nullable(),
  annotations_requested: z.array(z.enum(['BINARY_CLASSIFICATION', 'BOUNDING_BOXES'])),
  created_at: IsoDateTime,
  detector_id: z.number().int().nullable(),
  source: z.string(),
  text: z.string().nullable(),
  rois: z.array(RoiSchema).nullable().optional(),
});
export type LabelValue = z.infer<typeof LabelValueSchema>;

/** `GET /me` as the SDK reads it (the spec documents only `username`). */
export const MeSchema = z.object({
  username: z.string(),
  email: z.string(),
  is_superuser: z.boolean(),
});
export type Me = z.infer<typeof MeSchema>;

export const ApiTokenSchema = z.object({
  name: z.string(),
  raw_key_snippet: z.string(),
  created_at: IsoDateTime,
  last_used_at: IsoDateTime.nullable(),
  expires_at: IsoDateTime.nullable().optional(),
  token_ttl: z.number().int().nullable().optional(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;

/** `GET /edge-api/v1/fetch-model-urls/{detector_id}/` (`EdgeModelInfo`). */
export const EdgeModelInfoSchema = z.object({
  model_binary_id: z.string().nullable(),
  model_binary_url: z.string().nullable(),
  oodd_model_binary_id: z.string().nullable(),
  oodd_model_binary_url: z.string().nullable(),
  pipeline_config: z.string().nullable(),
  oodd_pipeline_config: z.string().nullable(),
  predictor_metadata: z.string().nullable(),
  minimal_compatible: z.boolean(),
});
export type EdgeModelInfo = z.infer<typeof EdgeModelInfoSchema>;

/**
 * Query parameters of `POST /image-queries`. Booleans arrive as strings (`want_async=True` from the SDK).
 * `metadata` is URL-safe base64 of a JSON object of at most 1 KiB.
 */
export const SubmitImageQueryParamsSchema = z
  .object({
    detector_id: z.string().min(1, 'detector_id is required'),
    patience_time: z.coerce.number().min(0).max(3600).optional(),
    confidence_threshold: z.coerce.number().min(0).max(1).optional(),
    human_review: z.enum(['DEFAULT', 'ALWAYS', 'NEVER']).optional(),
    want_async: z
      .enum(['True', 'true', 'False', 'false', '1', '0'])
      .transform((v) => v === 'True' || v === 'true' || v === '1')
      .optional(),
    // The cloud stores it in a varchar(200).
    inspection_id: z.string().max(200, 'inspection_id must be at most 200 characters').optional(),
    metadata: z.string().optional(),
    image_query_id: z
      .string()
      .regex(/^iq_[A-Za-z0-9_]{1,64}$/, 'image_query_id must look like iq_ followed by letters and digits')
      .optional(),
  })
  .strict();
export type SubmitImageQueryParams = z.infer<typeof SubmitImageQueryParamsSchema>;

/** Decode URL-safe base64 JSON metadata (query string or detector body); null if absent. */
export function decodeMetadata(value: string | Record<string, unknown> | null | undefined): {
  ok: boolean;
  value: Record<string, unknown> | null;
  error?: string;
} {
  if (value === null || value === undefined || value === '') return { ok: true, value: null };
  if (typeof value === 'object') return { ok: true, value };
  try {
    const json = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    if (Buffer.byteLength(json) > 1024)
      return { ok: false, value: null, error: 'metadata must be at most 1 KiB' };
    const parsed: unknown = JSON.parse(json);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { ok: false, value: null, error: 'metadata must encode a JSON object' };
    }
    return { ok: true, value: parsed as Record<string, unknown> };
  } catch {
    return { ok: false, value: null, error: 'metadata must be URL-safe base64 of a JSON object' };
  }
}

export function encodeMetadata(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
