/**
 * What the edge adds to an image query's metadata when it escalates it (edge → cloud → review UI), next to
 * the caller's own keys: why (`reason`), the edge's numbers (`edge_result`), whether it is a confident-answer
 * audit (`is_edge_audit`) and the caller's `inspection_id`. The edge writes it with `escalationMetadata`; the
 * cloud and the review UI read it with `readEscalationMetadata`, which never throws (metadata also comes from
 * SDK callers and older edges).
 */
import { z } from 'zod';
import { DecisionReasonSchema, type DecisionReason } from './enums';

/** The metadata travels in the query string: at most this many bytes of JSON. */
export const METADATA_LIMIT_BYTES = 1024;

const Probability = z.number().min(0).max(1);

/** The edge's own numbers for an escalated image (six decimals). */
export const EdgeResultSummarySchema = z.object({
  class_index: z.number().int().min(0),
  raw_primary_confidence: Probability,
  oodd_outlier_probability: Probability.nullable(),
  /** After the OODD adjustment; null when the decision did not compute it. */
  adjusted_confidence: Probability.nullable(),
  threshold: Probability.nullable(),
  primary_model_version: z.number().int().nullable(),
  oodd_model_version: z.number().int().nullable(),
  /** The cloud's model version ids, when the installed packages carry them. */
  mlb_key: z.string().optional(),
  oodd_mlb_key: z.string().optional(),
});
export type EdgeResultSummary = z.infer<typeof EdgeResultSummarySchema>;

export const EscalationMetadataSchema = z
  .object({
    reason: DecisionReasonSchema.optional(),
    edge_result: EdgeResultSummarySchema.nullable().optional(),
    is_edge_audit: z.literal(true).optional(),
    /** With is_edge_audit: the share of confident answers the edge audits (the policy fit's 1/weight). */
    audit_rate: Probability.optional(),
    /** The detector's learned escalation policy made the decision (not the confidence threshold). */
    learned_policy: z.literal(true).optional(),
    inspection_id: z.string().optional(),
    is_from_edge: z.boolean().optional(),
  })
  .catchall(z.unknown());
export type EscalationMetadata = z.infer<typeof EscalationMetadataSchema>;

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

/** The edge_result of one prediction. */
export function edgeResultSummary(p: {
  classIndex: number;
  primaryConfidence: number;
  outlierProbability: number | null;
  adjustedConfidence: number | null;
  threshold: number | null;
  modelVersions: { primary: number | null; oodd: number | null };
  modelIds?: { primary: string | null; oodd: string | null } | undefined;
}): EdgeResultSummary {
  return {
    class_index: p.classIndex,
    raw_primary_confidence: round6(p.primaryConfidence),
    oodd_outlier_probability: p.outlierProbability === null ? null : round6(p.outlierProbability),
    adjusted_confidence: p.adjustedConfidence === null ? null : round6(p.adjustedConfidence),
    threshold: p.threshold,
    primary_model_version: p.modelVersions.primary,
    oodd_model_version: p.modelVersions.oodd,
    ...(p.modelIds?.primary ? { mlb_key: p.modelIds.primary } : {}),
    ...(p.modelIds?.oodd ? { oodd_mlb_key: p.modelIds.oodd } : {}),
  };
}

const jsonBytes = (v: unknown): number => new TextEncoder().encode(JSON.stringify(v)).length;

/**
 * The metadata an escalation carries: the caller's keys plus the edge's. Over `limitBytes` the edge_result
 * (and inspection_id) go first, then the caller's keys; `reason` always stays.
 */
export function escalationMetadata(
  input: {
    user: Record<string, unknown> | null;
    reason: DecisionReason;
    edgeResult: EdgeResultSummary | null;
    isEdgeAudit: boolean;
    /** The edge's confident_audit_rate, written with an audit. */
    auditRate?: number | undefined;
    /** The learned escalation policy decided (libs/decision `edge.policy`). */
    learnedPolicy?: boolean | undefined;
    inspectionId?: string | undefined;
  },
  limitBytes = METADATA_LIMIT_BYTES,
): EscalationMetadata {
  // Kept with `reason` when the metadata must shrink: they say how the query came to be labelled.
  const audit = {
    ...(input.isEdgeAudit ? { is_edge_audit: true as const } : {}),
    ...(input.isEdgeAudit && input.auditRate !== undefined ? { audit_rate: round6(input.auditRate) } : {}),
    ...(input.learnedPolicy ? { learned_policy: true as const } : {}),
  };
  const full: EscalationMetadata = {
    ...input.user,
    reason: input.reason,
    edge_result: input.edgeResult,
    ...audit,
    ...(input.inspectionId ? { inspection_id: input.inspectionId } : {}),
  };
  if (jsonBytes(full) <= limitBytes) return full;
  const withoutEdge: EscalationMetadata = { ...input.user, reason: input.reason, ...audit };
  if (jsonBytes(withoutEdge) <= limitBytes) return withoutEdge;
  return { reason: input.reason };
}

/** A lenient view of an edge_result: each field is its value when valid, else undefined. */
export type EdgeResultReading = {
  [K in keyof EdgeResultSummary]?: Exclude<EdgeResultSummary[K], undefined>;
} & {
  /** Older writers: a label name and an unnamed confidence. */
  label?: string;
  confidence?: number;
};

export interface EscalationMetadataReading {
  reason: DecisionReason | undefined;
  edge_result: EdgeResultReading | undefined;
  is_edge_audit: boolean;
  audit_rate: number | undefined;
  learned_policy: boolean;
  inspection_id: string | undefined;
}

const READ_FIELDS = {
  ...EdgeResultSummarySchema.shape,
  label: z.string(),
  confidence: Probability,
} as const;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The edge_result fields that are valid; undefined when it is not an object or has none. */
export function readEdgeResult(value: unknown): EdgeResultReading | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(READ_FIELDS)) {
    const parsed = schema.safeParse(value[key]);
    if (parsed.success && parsed.data !== undefined) out[key] = parsed.data;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const readProbability = (v: unknown): number | undefined => {
  const r = Probability.safeParse(v);
  return r.success ? r.data : undefined;
};

/** Reads an image query's metadata; unknown or invalid parts are undefined (false for is_edge_audit). */
export function readEscalationMetadata(metadata: unknown): EscalationMetadataReading {
  const m = isRecord(metadata) ? metadata : {};
  const reason = DecisionReasonSchema.safeParse(m.reason);
  return {
    reason: reason.success ? reason.data : undefined,
    edge_result: readEdgeResult(m.edge_result),
    is_edge_audit: m.is_edge_audit === true,
    audit_rate: readProbability(m.audit_rate),
    learned_policy: m.learned_policy === true,
    inspection_id: typeof m.inspection_id === 'string' ? m.inspection_id : undefined,
  };
}

/** The keys `escalationMetadata` adds to the caller's (is_from_edge is the reference edge's and stays). */
export const EDGE_METADATA_KEYS = [
  'reason',
  'edge_result',
  'is_edge_audit',
  'audit_rate',
  'learned_policy',
  'inspection_id',
] as const;

/**
 * The caller's own metadata of an image query, as Groundlight clients must get it back: an escalation's
 * metadata without the keys the edge added. They are recognised by a `reason` that is a decision reason (the
 * edge always writes one); metadata without one is the caller's as is, whatever keys it has. The cloud keeps
 * the edge's part in its own fields (escalation reason and edge result, GraphQL metadata).
 */
export function userMetadata(metadata: unknown): Record<string, unknown> | null {
  if (!isRecord(metadata)) return null;
  if (!DecisionReasonSchema.safeParse(metadata.reason).success) return metadata;
  const out: Record<string, unknown> = { ...metadata };
  for (const key of EDGE_METADATA_KEYS) delete out[key];
  return Object.keys(out).length > 0 ? out : null;
}
