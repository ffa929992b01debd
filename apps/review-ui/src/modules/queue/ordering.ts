/**
 * The review queue as the UI holds it: items ordered by patience deadline (soonest first), merged with live
 * events without duplicates, and counted per detector. Pure functions over plain data.
 */

export interface QueueEntry {
  id: string;
  detectorId: string;
  /** ISO timestamp when the item's patience time runs out, or null for no deadline. */
  deadlineAt: string | null;
  createdAt: string;
  state: string;
}

const OPEN_STATES = new Set(['QUEUED', 'CLAIMED']);

/** Soonest deadline first; no deadline last; ties by creation time, then id (stable across clients). */
export function compareQueue(a: QueueEntry, b: QueueEntry): number {
  const da = a.deadlineAt ? Date.parse(a.deadlineAt) : Number.POSITIVE_INFINITY;
  const db = b.deadlineAt ? Date.parse(b.deadlineAt) : Number.POSITIVE_INFINITY;
  if (da !== db) return da < db ? -1 : 1;
  const ca = Date.parse(a.createdAt);
  const cb = Date.parse(b.createdAt);
  if (ca !== cb) return ca < cb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Merges `incoming` (newer) over `current`: same id → the incoming version wins; items that are no longer
 * open (labelled, skipped, expired) drop out; the result is ordered by `compareQueue`.
 */
export function mergeQueue<T extends QueueEntry>(current: readonly T[], incoming: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const item of current) byId.set(item.id, item);
  for (const item of incoming) byId.set(item.id, item);
  return [...byId.values()].filter((i) => OPEN_STATES.has(i.state)).sort(compareQueue);
}

/** Drops items whose ids are in `ids` (labelled or skipped here, before the server says so). */
export function withoutIds<T extends QueueEntry>(items: readonly T[], ids: ReadonlySet<string>): T[] {
  return items.filter((i) => !ids.has(i.id));
}

/** Open items per detector id, for the sidebar counters. */
export function countsByDetector(items: readonly QueueEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.detectorId, (counts.get(item.detectorId) ?? 0) + 1);
  return counts;
}

/** The index to show after the current item left the list: the same position, clamped. */
export function nextIndexAfterRemoval(length: number, removedIndex: number): number {
  if (length === 0) return 0;
  return Math.min(Math.max(removedIndex, 0), length - 1);
}

/** Moves a cursor by `delta` within [0, length). */
export function stepIndex(index: number, delta: number, length: number): number {
  if (length === 0) return 0;
  return Math.min(Math.max(index + delta, 0), length - 1);
}

export type Urgency = 'overdue' | 'soon' | 'ok' | 'none';

/** How long until `deadlineAt`, as text ("4m 05s", "overdue 12s") with an urgency level for colour. */
export function describeDeadline(
  deadlineAt: string | null,
  nowMs: number,
): { text: string; urgency: Urgency } {
  if (!deadlineAt) return { text: 'no deadline', urgency: 'none' };
  const ms = Date.parse(deadlineAt) - nowMs;
  const text = formatDuration(Math.abs(ms));
  if (ms <= 0) return { text: `overdue ${text}`, urgency: 'overdue' };
  return { text, urgency: ms < 60_000 ? 'soon' : 'ok' };
}

export function formatDuration(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}
