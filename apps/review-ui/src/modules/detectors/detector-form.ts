/**
 * The detector form as plain data: values from a detector, validation with messages per field, and the
 * GraphQL inputs. The server validates too; this catches mistakes before a round trip.
 */
import type {
  CreateDetectorInput,
  DetectorMode,
  EscalationPolicyMode,
  EscalationType,
  ReasoningMode,
  UpdateDetectorInput,
} from '../../gql/graphql';

export const EDGE_PRESETS = ['default', 'edge_answers_with_escalation', 'no_cloud', 'disabled'] as const;
export type EdgePreset = (typeof EDGE_PRESETS)[number];

/** The escalation-policy select: DEFAULT is the unset setting (learned when it wins on held-out data). */
export const ESCALATION_POLICY_CHOICES = ['DEFAULT', 'LEARNED', 'THRESHOLD'] as const;
export type EscalationPolicyChoice = (typeof ESCALATION_POLICY_CHOICES)[number];

export interface DetectorFormValues {
  name: string;
  query: string;
  mode: DetectorMode;
  classNames: string;
  /** COUNT and BOUNDING_BOX: what is counted or boxed (mode_configuration.class_name). */
  objectClass: string;
  maxCount: string;
  confidenceThreshold: string;
  patienceTime: string;
  groupName: string;
  escalationType: EscalationType;
  /** Which head training builds. */
  reasoning: ReasoningMode;
  escalationPolicy: EscalationPolicyChoice;
  enabled: boolean;
  preset: EdgePreset;
}

export type FormErrors = Partial<Record<keyof DetectorFormValues, string>>;

export const EMPTY_FORM: DetectorFormValues = {
  name: '',
  query: '',
  mode: 'BINARY',
  classNames: '',
  objectClass: '',
  maxCount: '',
  confidenceThreshold: '0.9',
  patienceTime: '30',
  groupName: '',
  escalationType: 'STANDARD',
  // The cloud's defaults: the linear head, no escalation-policy setting.
  reasoning: 'LINEAR',
  escalationPolicy: 'DEFAULT',
  enabled: true,
  preset: 'default',
};

function record(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function presetOf(metadata: unknown): EdgePreset {
  const p = record(metadata).edge_preset;
  return (EDGE_PRESETS as readonly unknown[]).includes(p) ? (p as EdgePreset) : 'default';
}

export function valuesFrom(d: {
  name: string;
  query: string;
  mode: DetectorMode;
  modeConfiguration: unknown;
  confidenceThreshold: number;
  patienceTime: number;
  groupName: string;
  escalationType: EscalationType;
  reasoning: ReasoningMode;
  escalationPolicy: EscalationPolicyMode | null;
  status: 'ON' | 'OFF';
  metadata: unknown;
}): DetectorFormValues {
  const conf = record(d.modeConfiguration);
  const classes = Array.isArray(conf.class_names)
    ? conf.class_names.filter((c) => typeof c === 'string')
    : [];
  return {
    name: d.name,
    query: d.query,
    mode: d.mode,
    classNames: classes.join(', '),
    objectClass: typeof conf.class_name === 'string' ? conf.class_name : '',
    maxCount:
      typeof conf.max_count === 'number'
        ? String(conf.max_count)
        : typeof conf.max_num_bboxes === 'number'
          ? String(conf.max_num_bboxes)
          : '',
    confidenceThreshold: String(d.confidenceThreshold),
    patienceTime: String(d.patienceTime),
    groupName: d.groupName,
    escalationType: d.escalationType,
    reasoning: d.reasoning,
    escalationPolicy: d.escalationPolicy ?? 'DEFAULT',
    enabled: d.status === 'ON',
    preset: presetOf(d.metadata),
  };
}

export function parseClassNames(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

export function validate(v: DetectorFormValues, creating: boolean): FormErrors {
  const e: FormErrors = {};
  if (!v.name.trim()) e.name = 'Give the detector a name.';
  else if (v.name.length > 200) e.name = 'At most 200 characters.';
  if (creating && !v.query.trim()) e.query = 'Ask a question, for example "Is the guard rail closed?".';
  const t = Number(v.confidenceThreshold);
  if (v.confidenceThreshold.trim() === '' || !Number.isFinite(t) || t < 0 || t > 1) {
    e.confidenceThreshold = 'A number from 0 to 1, for example 0.9.';
  }
  const p = Number(v.patienceTime);
  if (v.patienceTime.trim() === '' || !Number.isFinite(p) || p <= 0 || p > 3600) {
    e.patienceTime = 'Seconds, more than 0 and at most 3600.';
  }
  if (creating && v.mode === 'MULTI_CLASS' && parseClassNames(v.classNames).length < 2) {
    e.classNames = 'List at least two class names, separated by commas.';
  }
  const counted = v.mode === 'COUNT' || v.mode === 'BOUNDING_BOX';
  if (creating && counted && !v.objectClass.trim()) {
    e.objectClass = 'Name what is counted or boxed, for example "person".';
  }
  if (creating && counted && v.maxCount.trim() !== '') {
    const m = Number(v.maxCount);
    if (!Number.isInteger(m) || m < 1 || m > 50) e.maxCount = 'A whole number from 1 to 50, or empty.';
  }
  return e;
}

function modeConfiguration(v: DetectorFormValues): Record<string, unknown> | null {
  if (v.mode === 'MULTI_CLASS') return { class_names: parseClassNames(v.classNames) };
  const max = v.maxCount.trim() ? Number(v.maxCount) : undefined;
  if (v.mode === 'COUNT') return { class_name: v.objectClass.trim(), ...(max ? { max_count: max } : {}) };
  if (v.mode === 'BOUNDING_BOX') {
    return { class_name: v.objectClass.trim(), ...(max ? { max_num_bboxes: max } : {}) };
  }
  return null;
}

export function toCreateInput(v: DetectorFormValues): CreateDetectorInput {
  return {
    name: v.name.trim(),
    query: v.query.trim(),
    mode: v.mode,
    modeConfiguration: modeConfiguration(v),
    confidenceThreshold: Number(v.confidenceThreshold),
    patienceTime: Number(v.patienceTime),
    groupName: v.groupName.trim() || null,
    escalationType: v.escalationType,
    reasoning: v.reasoning,
    escalationPolicy: v.escalationPolicy === 'DEFAULT' ? null : v.escalationPolicy,
    metadata: v.preset === 'default' ? null : { edge_preset: v.preset },
  };
}

/** Only what changed, so an edit never overwrites a field someone else changed meanwhile. */
export function toUpdateInput(
  before: DetectorFormValues,
  v: DetectorFormValues,
  metadata: unknown,
): UpdateDetectorInput {
  const input: UpdateDetectorInput = {};
  if (v.name.trim() !== before.name) input.name = v.name.trim();
  if (Number(v.confidenceThreshold) !== Number(before.confidenceThreshold)) {
    input.confidenceThreshold = Number(v.confidenceThreshold);
  }
  if (Number(v.patienceTime) !== Number(before.patienceTime)) input.patienceTime = Number(v.patienceTime);
  if (v.groupName.trim() !== before.groupName) input.groupName = v.groupName.trim();
  if (v.escalationType !== before.escalationType) input.escalationType = v.escalationType;
  if (v.reasoning !== before.reasoning) input.reasoning = v.reasoning;
  if (v.escalationPolicy !== before.escalationPolicy) {
    // null in `escalationPolicy` means "not set" to the API, so going back to the default is its own field.
    if (v.escalationPolicy === 'DEFAULT') input.resetEscalationPolicy = true;
    else input.escalationPolicy = v.escalationPolicy;
  }
  if (v.enabled !== before.enabled) input.status = v.enabled ? 'ON' : 'OFF';
  if (v.preset !== before.preset) input.metadata = { ...record(metadata), edge_preset: v.preset };
  return input;
}
