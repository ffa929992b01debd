import type { ReactNode } from 'react';

interface Props {
  /** The id of the control inside, so the label points at it. */
  htmlFor: string;
  label: string;
  /** Shown instead of `help` (and marks the field invalid). */
  error?: string | undefined;
  help?: string | undefined;
  children: ReactNode;
}

/** A labelled form control with its error (announced) or help line. */
export function Field({ htmlFor, label, error, help, children }: Props) {
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : help ? (
        <span className="field-help">{help}</span>
      ) : null}
    </div>
  );
}
