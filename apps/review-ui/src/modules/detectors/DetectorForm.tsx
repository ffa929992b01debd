import { useState, type FormEvent, type ReactNode } from 'react';
import { DetectorModeValues, EscalationTypeValues } from '../../gql/graphql';
import { EDGE_PRESETS, validate, type DetectorFormValues, type FormErrors } from './detector-form';

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

  const field = (k: keyof DetectorFormValues, label: string, input: ReactNode, help?: string) => (
    <div className={`field${errors[k] ? ' invalid' : ''}`}>
      <label htmlFor={`f-${k}`}>{label}</label>
      {input}
      {errors[k] ? (
        <span className="field-error" role="alert">
          {errors[k]}
        </span>
      ) : help ? (
        <span className="field-help">{help}</span>
      ) : null}
    </div>
  );

  return (
    <form className="form card" onSubmit={(e) => void submit(e)} noValidate>
      <div className="form-grid">
        {field(
          'name',
          'Name',
          <input id="f-name" value={v.name} onChange={(e) => set('name', e.target.value)} />,
        )}
        {creating
          ? field(
              'query',
              'Question',
              <input
                id="f-query"
                value={v.query}
                onChange={(e) => set('query', e.target.value)}
                placeholder="Is the guard rail closed?"
              />,
            )
          : null}
        {creating
          ? field(
              'mode',
              'Mode',
              <select
                id="f-mode"
                value={v.mode}
                onChange={(e) => set('mode', e.target.value as DetectorFormValues['mode'])}
              >
                {DetectorModeValues.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>,
            )
          : null}
        {creating && v.mode === 'MULTI_CLASS'
          ? field(
              'classNames',
              'Class names',
              <input
                id="f-classNames"
                value={v.classNames}
                onChange={(e) => set('classNames', e.target.value)}
                placeholder="red, green, blue"
              />,
              'Comma-separated; number keys 1–9 label them in this order.',
            )
          : null}
        {creating && (v.mode === 'COUNT' || v.mode === 'BOUNDING_BOX')
          ? field(
              'objectClass',
              v.mode === 'COUNT' ? 'What is counted' : 'What is boxed',
              <input
                id="f-objectClass"
                value={v.objectClass}
                onChange={(e) => set('objectClass', e.target.value)}
                placeholder="person"
              />,
            )
          : null}
        {creating && (v.mode === 'COUNT' || v.mode === 'BOUNDING_BOX')
          ? field(
              'maxCount',
              v.mode === 'COUNT' ? 'Max count' : 'Max boxes',
              <input
                id="f-maxCount"
                inputMode="numeric"
                value={v.maxCount}
                onChange={(e) => set('maxCount', e.target.value)}
              />,
              'Optional, 1–50.',
            )
          : null}
        {field(
          'confidenceThreshold',
          'Confidence threshold',
          <input
            id="f-confidenceThreshold"
            inputMode="decimal"
            value={v.confidenceThreshold}
            onChange={(e) => set('confidenceThreshold', e.target.value)}
          />,
          'Answers below this confidence go to people (0–1).',
        )}
        {field(
          'patienceTime',
          'Patience time (s)',
          <input
            id="f-patienceTime"
            inputMode="decimal"
            value={v.patienceTime}
            onChange={(e) => set('patienceTime', e.target.value)}
          />,
          'How long an escalation may wait for a person.',
        )}
        {field(
          'preset',
          'Edge preset',
          <select
            id="f-preset"
            value={v.preset}
            onChange={(e) => set('preset', e.target.value as DetectorFormValues['preset'])}
          >
            {EDGE_PRESETS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>,
          `${PRESET_HELP[v.preset]}. Recorded on the detector (metadata.edge_preset); each edge applies the preset of its edge-config.yaml.`,
        )}
        {field(
          'escalationType',
          'Escalation',
          <select
            id="f-escalationType"
            value={v.escalationType}
            onChange={(e) => set('escalationType', e.target.value as DetectorFormValues['escalationType'])}
          >
            {EscalationTypeValues.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>,
        )}
        {field(
          'groupName',
          'Group',
          <input id="f-groupName" value={v.groupName} onChange={(e) => set('groupName', e.target.value)} />,
        )}
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
