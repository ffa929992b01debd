/**
 * The heartbeat's dead-letter report: how many escalations the edge has set aside, and the newest few (the
 * cloud shows them on the hub, `Hub.deadLetters`; retry and discard stay on the edge's own GraphQL).
 */
import type { OutboxRepository } from '../store/outbox.repository';

/** Dead letters listed per heartbeat (the cloud takes at most 20). */
export const REPORTED_DEAD_LETTERS = 10;

export interface DeadLetterReport {
  count: number;
  items: { id: string; detectorId: string; cause: string; since: string }[];
}

export async function deadLetterReport(
  outbox: Pick<OutboxRepository, 'deadCount' | 'deadLetters'>,
  limit = REPORTED_DEAD_LETTERS,
): Promise<DeadLetterReport> {
  const newest = await outbox.deadLetters(limit);
  return {
    // The listed ones at least: the in-memory count may trail a write that is being committed.
    count: Math.max(outbox.deadCount(), newest.length),
    items: newest.map((d) => ({
      id: d.iqId,
      detectorId: d.detectorId,
      cause: d.cause,
      since: new Date(d.deadAt).toISOString(),
    })),
  };
}
