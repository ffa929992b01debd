import { useState, type FormEvent, type ReactNode } from 'react';
import {
  DetectorModeValues,
  EscalationTypeValues,
  ReasoningModeValues,
  type ReasoningMode,
} from '../../gql/graphql';
import { Field } from '../../ui/Field';
import {
  EDGE_PRESETS,
  ESCALATION_POLICY_CHOICES,
  validate,
  type DetectorFormValues,
  type EscalationPolicyChoice,
  type FormErrors,
} from './detector-form';

interface Props {
  initial: DetectorFormValues;
  creating: boolean;
  submitLabel: string;
  /** Returns an error message (or field errors) from the server, or null when saved. */
  onSubmit: (values: DetectorFormValues) => Promise<{ message: string; fields?: FormErrors } | null>;
}

const PRESET_HELP: Record<(typeof EDGE_PRESETS)[number], string> = {
  default: 'edge answers when confident, escalates otherwise',
  edge_answers_with_escalation: 'edge always answers; doubtful images also escalate',
  no_cloud: 'edge always answers; nothing leaves the site',
  disabled: 'the edge does not answer; requests go to the cloud',
};

const REASONING_LABEL: Record<ReasoningMode, string> = {
  LINEAR: 'Linear',
  RECURSIVE: 'Recursive',
  AUTO: 'Auto',
};

const REASONING_HELP: Record<ReasoningMode, string> = {
  LINEAR:
    'A linear head on the pooled image features: fast, and the learned escalation policy can be fitted for it',
  RECURSIVE:
    'A reasoning head over image patches, for small or local details; escalations then follow the threshold',
  AUTO: 'Trains the recursive head once there are 100 labels and keeps it only if it wins on held-out images',
};

const POLICY_LABEL: Record<EscalationPolicyChoice, string> = {
  DEFAULT: 'Default: learned when it wins on held-out data',
  LEARNED: 'Learned',
  THRESHOLD: 'Threshold',
};

const POLICY_HELP: Record<EscalationPolicyChoice, string> = {
  DEFAULT: 'The edge uses the learned policy only if it beat the threshold on held-out history',
  LEARNED: 'The edge uses the learned policy whenever the published model ships one',
  THRESHOLD: 'The edge escalates every answer below the confidence threshold',
};

/** The form values edited as text (inputs and selects); `enabled` is the one checkbox. */
type TextKey = {
  [K in keyof DetectorFormValues]: DetectorFormValues[K] extends string ? K : never;
}[keyof DetectorFormValues];

export function DetectorForm({ initial, creating, submitLabel, onSubmit }: Props) {
  const [v, setV] = useState(initial);
  const [errors, setErrors] = useState<FormErrors>({});
  const [message, setMessage] = useState<{ tone: 'good' | 'bad'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof DetectorFormValues>(k: K, value: DetectorFormValues[K]) =>
    setV((prev) => ({ ...prev, [k]: value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs = validate(v, creating);
    setErrors(errs);
    setMessage(null);
    if (Object.keys(errs).length) return;
    setBusy(true);
    const result = await onSubmit(v);
    setBusy(false);
    if (result) {
      setErrors(result.fields ?? {});
      setMessage({ tone: 'bad', text: result.message });
    } else {
      setMessage({ tone: 'good', text: 'Saved.' });
    }
  };

  const field = (k: keyof DetectorFormValues, label: string, control: ReactNode, help?: string) => (
    <Field htmlFor={`f-${k}`} label={label} error={errors[k]} help={help}>
      {control}
    </Field>
  );
  const text = (k: TextKey, extra: { placeholder?: string; inputMode?: 'numeric' | 'decimal' } = {}) => (
    <input id={`f-${k}`} value={v[k]} onChange={(e) => set(k, e.target.value)} {...extra} />
  );
  const choice = <K extends TextKey>(k: K, options: readonly DetectorFormValues[K][]) => (
    <select id={`f-${k}`} value={v[k]} onChange={(e) => set(k, e.target.value as DetectorFormValues[K])}>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );

  /** A select whose options read as words, not enum values. */
  const labelled = <K extends TextKey>(
    k: K,
    options: readonly DetectorFormValues[K][],
    label: Record<DetectorFormValues[K], string>,
  ) => (
    <select id={`f-${k}`} value={v[k]} onChange={(e) => set(k, e.target.value as DetectorFormValues[K])}>
      {options.map((o) => (
        <option key={o} value={o}>
          {label[o]}
        </option>
      ))}
    </select>
  );

  return (
    <form className="form card" onSubmit={(e) => void submit(e)} noValidate>
      <div className="form-grid">
        {field('name', 'Name', text('name'))}
        {creating
          ? field('query', 'Question', text('query', { placeholder: 'Is the guard rail closed?' }))
          : null}
        {creating ? field('mode', 'Mode', choice('mode', DetectorModeValues)) : null}
        {creating && v.mode === 'MULTI_CLASS'
          ? field(
              'classNames',
              'Class names',
              text('classNames', { placeholder: 'red, green, blue' }),
              'Comma-separated; number keys 1–9 label them in this order.',
            )
          : null}
        {creating && (v.mode === 'COUNT' || v.mode === 'BOUNDING_BOX')
          ? field(
              'objectClass',
              v.mode === 'COUNT' ? 'What is counted' : 'What is boxed',
              text('objectClass', { placeholder: 'person' }),
            )
          : null}
        {creating && (v.mode === 'COUNT' || v.mode === 'BOUNDING_BOX')
          ? field(
              'maxCount',
              v.mode === 'COUNT' ? 'Max count' : 'Max boxes',
              text('maxCount', { inputMode: 'numeric' }),
              'Optional, 1–50.',
            )
          : null}
        {field(
          'confidenceThreshold',
          'Confidence threshold',
          text('confidenceThreshold', { inputMode: 'decimal' }),
          'Answers below this confidence go to people (0–1).',
        )}
        {field(
          'patienceTime',
          'Patience time (s)',
          text('patienceTime', { inputMode: 'decimal' }),
          'How long an escalation may wait for a person.',
        )}
        {field(
          'preset',
          'Edge preset',
          choice('preset', EDGE_PRESETS),
          `${PRESET_HELP[v.preset]}. Recorded on the detector (metadata.edge_preset); each edge applies the preset of its edge-config.yaml.`,
        )}
        {field('escalationType', 'Escalation', choice('escalationType', EscalationTypeValues))}
        {field(
          'reasoning',
          'Reasoning head',
          labelled('reasoning', ReasoningModeValues, REASONING_LABEL),
          `${REASONING_HELP[v.reasoning]}. Applies from the next trained version.`,
        )}
        {field(
          'escalationPolicy',
          'Escalation policy',
          labelled('escalationPolicy', ESCALATION_POLICY_CHOICES, POLICY_LABEL),
          `${POLICY_HELP[v.escalationPolicy]}.`,
        )}
        {field('groupName', 'Group', text('groupName'))}
        {creating ? null : (
          <div className="field field-check">
            <label>
              <input type="checkbox" checked={v.enabled} onChange={(e) => set('enabled', e.target.checked)} />{' '}
              Enabled (status ON)
            </label>
          </div>
        )}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {message ? (
          <span
            className={message.tone === 'good' ? 'form-ok' : 'form-error'}
            role="status"
            data-testid="form-message"
          >
            {message.text}
          </span>
        ) : null}
      </div>
    </form>
  );
}
