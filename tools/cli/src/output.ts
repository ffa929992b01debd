/**
 * What a command prints: a table (or a line) for people, the raw objects with `--json` for scripts. Progress
 * bars go to stderr, and only on a terminal, so `--json` output and pipes stay clean.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { Env } from './config.store';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Env;
  /** stderr is a terminal: draw progress bars. */
  interactive: boolean;
}

export interface Progress {
  tick(detail?: string): void;
  update(value: number, detail?: string): void;
  stop(): void;
}

export class Output {
  constructor(
    readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** `data` as JSON with --json; else `human(data)` lines (default: a table of the rows). */
  print<T>(data: T, human?: (data: T) => string): void {
    if (this.json) this.io.stdout(`${JSON.stringify(data, null, 2)}\n`);
    else this.io.stdout(`${human ? human(data) : table(data as Record<string, unknown>[])}\n`);
  }

  /** A note for people (stderr, never in --json output). */
  note(text: string): void {
    this.io.stderr(`${text}\n`);
  }

  progress(total: number, label: string): Progress {
    if (!this.io.interactive || this.json) return { tick() {}, update() {}, stop() {} };
    const bar = new SingleBar(
      { format: `${label} [{bar}] {value}/{total} {detail}`, stream: process.stderr, hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(total, 0, { detail: '' });
    return {
      tick: (detail = '') => bar.increment(1, { detail }),
      update: (value, detail = '') => bar.update(value, { detail }),
      stop: () => bar.stop(),
    };
  }
}

/** Plain aligned columns; nested values as compact JSON. */
export function table(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown): string =>
    v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}
