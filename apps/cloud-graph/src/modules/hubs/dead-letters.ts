/** The dead letters an edge reports in its heartbeat: validated here once for GraphQL and tests. */
import { MAX_REPORTED_DEAD_LETTERS, type HubDeadLetter } from './hub.entity';

export interface DeadLetterReport {
  count: number;
  items: HubDeadLetter[];
}

const ID = /^[A-Za-z0-9_-]{1,100}$/;
const CAUSE = /^[A-Z_]{1,40}$/;

/** Why the report is unusable, or null when it is fine. */
export function deadLetterReportProblem(r: DeadLetterReport): string | null {
  if (!Number.isInteger(r.count) || r.count < 0) return 'deadLetters.count must be a whole number ≥ 0';
  if (r.items.length > MAX_REPORTED_DEAD_LETTERS) {
    return `deadLetters.items: at most ${MAX_REPORTED_DEAD_LETTERS} (the count covers the rest)`;
  }
  if (r.items.length > r.count) return 'deadLetters.items cannot list more than deadLetters.count';
  for (const [i, item] of r.items.entries()) {
    if (!ID.test(item.id)) return `deadLetters.items[${i}].id is not an image query id`;
    if (!ID.test(item.detectorId)) return `deadLetters.items[${i}].detectorId is not a detector id`;
    if (!CAUSE.test(item.cause)) return `deadLetters.items[${i}].cause must be an upper-case cause code`;
    if (Number.isNaN(Date.parse(item.since))) return `deadLetters.items[${i}].since must be a date-time`;
  }
  return null;
}
