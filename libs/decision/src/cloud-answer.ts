/**
 * Rules for the cloud's answer to an escalated image query, as the edge refreshes it: when it can no longer
 * change, and when the edge stops asking.
 */

/** The fields of a Groundlight image query these rules read. */
export interface CloudAnswerFields {
  done_processing: boolean;
  result: { source?: string | null } | null;
}

/** A cloud answer that will not change any more: done processing, or labelled by a person. */
export function isFinalCloudAnswer(iq: CloudAnswerFields): boolean {
  return iq.done_processing || iq.result?.source === 'USER';
}

/** An escalation that has no final answer after this long keeps its last answer and is no longer refreshed. */
export const ANSWER_REFRESH_GIVE_UP_MS = 24 * 3600_000;

export function answerRefreshGivenUp(createdAtMs: number, nowMs: number): boolean {
  return nowMs - createdAtMs > ANSWER_REFRESH_GIVE_UP_MS;
}
