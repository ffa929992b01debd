import type { ReactNode } from 'react';

/** A column header: its label, or the label and a class (`num` aligns right, `wide-only` hides on narrow screens). */
export type Column = string | { label: string; className: string };

/** The app's data table: one header row from `columns`, the caller's rows (`<tr>`s) as the body. */
export function Table({
  columns,
  testId,
  children,
}: {
  columns: readonly Column[];
  testId?: string;
  children: ReactNode;
}) {
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c, i) =>
            typeof c === 'string' ? (
              <th key={i}>{c}</th>
            ) : (
              <th key={i} className={c.className}>
                {c.label}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
