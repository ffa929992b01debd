/**
 * docs/DECISION.md and `decide()` must agree row for row: this reads the table between the
 * `decision-table:begin/end` markers and replays each row.
 */
import type { HumanReview } from '@intellioptics/schema';
import { DEFAULT_PRESETS } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import { readDocTable } from '../test/doc-table';
import { decide } from './decide';
import type { Decision, DecisionInput, InferenceOutcome } from './types';

const NOW_MS = 100_000;
const COLUMNS = [
  '#',
  'preset',
  'human_review',
  'want_async',
  'cloud',
  'inference',
  'conf',
  'p_out',
  'threshold',
  'last esc.',
  'roll',
  'outcome',
  'done_processing',
  'reason',
] as const;
type Row = Record<(typeof COLUMNS)[number], string>;

const readTable = (): Row[] => readDocTable('decision-table', COLUMNS);

const num = (cell: string): number => {
  const n = Number(cell);
  if (cell === '' || !Number.isFinite(n)) throw new Error(`not a number: ${cell}`);
  return n;
};
const optionalNum = (cell: string): number | undefined => (cell === '—' ? undefined : num(cell));

function inputOf(row: Row): DecisionInput {
  const preset = DEFAULT_PRESETS[row.preset as keyof typeof DEFAULT_PRESETS];
  if (preset === undefined) throw new Error(`unknown preset ${row.preset}`);
  const inference: InferenceOutcome =
    row.inference === 'ok'
      ? {
          status: 'ok',
          mode: 'BINARY',
          primaryConfidence: num(row.conf),
          outlierProbability: optionalNum(row.p_out),
        }
      : row.inference === 'no_model' || row.inference === 'down'
        ? { status: row.inference }
        : (() => {
            throw new Error(`unknown inference ${row.inference}`);
          })();
  const last = /^(\d+) s ago$/.exec(row['last esc.']);
  if (row['last esc.'] !== 'never' && last === null) throw new Error(`bad last esc. ${row['last esc.']}`);
  const cloud = { up: true, down: false, unknown: undefined }[row.cloud];
  if (!['up', 'down', 'unknown'].includes(row.cloud)) throw new Error(`bad cloud ${row.cloud}`);
  return {
    preset,
    humanReview: row.human_review as HumanReview,
    wantAsync:
      { yes: true, no: false }[row.want_async] ??
      (() => {
        throw new Error(`bad want_async ${row.want_async}`);
      })(),
    requestThreshold: optionalNum(row.threshold),
    detectorThreshold: 0.9,
    cloudReachable: cloud,
    inference,
    lastEscalationAtMs: last === null ? undefined : NOW_MS - num(last[1] ?? '') * 1000,
    nowMs: NOW_MS,
    auditRoll: num(row.roll),
    confidentAuditRate: 0.01,
  };
}

/** The decision in the words of the table's `outcome` column. */
function outcomeOf(d: Decision): string {
  switch (d.kind) {
    case 'answer_edge':
      return `answer_edge, escalate ${d.escalate}`;
    case 'escalate_sync':
      return `escalate_sync, fallback ${d.fallback}`;
    case 'accept_async':
      return 'accept_async';
    case 'reject':
      return `reject ${d.status} ${d.code}${d.edgeOnly ? ' (edge-only)' : ''}`;
  }
}

const rows = readTable();

describe('docs/DECISION.md decision table', () => {
  it('has the rows it should (numbered 1..n, every preset, every outcome kind)', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(rows.map((r) => r['#'])).toEqual(rows.map((_r, i) => String(i + 1)));
    expect(new Set(rows.map((r) => r.preset))).toEqual(new Set(Object.keys(DEFAULT_PRESETS)));
    const kinds = new Set(rows.map((r) => r.outcome.split(/[ ,]/)[0]));
    expect(kinds).toEqual(new Set(['answer_edge', 'escalate_sync', 'accept_async', 'reject']));
  });

  it.each(rows.map((r) => [r['#'], r] as const))('row %s matches decide()', (_n, row) => {
    const d = decide(inputOf(row));
    expect({
      outcome: outcomeOf(d),
      done_processing: d.kind === 'answer_edge' ? String(d.doneProcessing) : '—',
      reason: d.reason,
    }).toEqual({ outcome: row.outcome, done_processing: row.done_processing, reason: row.reason });
  });
});
