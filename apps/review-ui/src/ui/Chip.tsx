import type { ReactNode } from 'react';

export type Tone = 'neutral' | 'good' | 'warn' | 'bad' | 'info';

export function Chip({
  label,
  children,
  tone = 'neutral',
  title,
}: {
  label?: string;
  children: ReactNode;
  tone?: Tone;
  title?: string;
}) {
  return (
    <span className={`chip chip-${tone}`} title={title}>
      {label ? <span className="chip-label">{label}</span> : null}
      <span className="chip-value">{children}</span>
    </span>
  );
}
