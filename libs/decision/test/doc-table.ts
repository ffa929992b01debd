/** Reads a markdown table between `<!-- <name>:begin -->` and `<!-- <name>:end -->` in docs/DECISION.md. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

const DOC = new URL('../../../docs/DECISION.md', import.meta.url);

const cells = (line: string): string[] =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());

/** The table's rows keyed by `columns`; the header must be exactly `columns`. */
export function readDocTable<C extends string>(name: string, columns: readonly C[]): Record<C, string>[] {
  const text = readFileSync(DOC, 'utf8');
  const block = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(text)?.[1];
  if (block === undefined) throw new Error(`docs/DECISION.md has no ${name} block`);
  const lines = block.trim().split('\n');
  expect(cells(lines[0] ?? '')).toEqual([...columns]);
  return lines.slice(2).map((line) => {
    const values = cells(line);
    expect(values, line).toHaveLength(columns.length);
    return Object.fromEntries(columns.map((c, i) => [c, values[i] ?? ''])) as Record<C, string>;
  });
}
