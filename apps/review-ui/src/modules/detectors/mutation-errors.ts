import type { FormErrors, DetectorFormValues } from './detector-form';

const FIELD_MAP: Record<string, keyof DetectorFormValues> = {
  name: 'name',
  query: 'query',
  mode: 'mode',
  confidence_threshold: 'confidenceThreshold',
  confidenceThreshold: 'confidenceThreshold',
  patience_time: 'patienceTime',
  patienceTime: 'patienceTime',
  group_name: 'groupName',
  groupName: 'groupName',
  mode_configuration: 'classNames',
  modeConfiguration: 'classNames',
  escalation_type: 'escalationType',
};

/** Server field errors (`{ path, message }`) on the form's fields. */
export function fieldErrors(fields: readonly { path: string; message: string }[] | undefined): FormErrors {
  const out: FormErrors = {};
  for (const f of fields ?? []) {
    const key = FIELD_MAP[f.path.split('.')[0] ?? ''];
    if (key) out[key] = f.message;
  }
  return out;
}
