/**
 * Pulls the cloud's answer for escalated image queries that may still change, so `GET /image-queries/{id}` on
 * the edge shows the cloud's (human) answer once there is one: all open ones every IQ_REFRESH_INTERVAL_S, and
 * one at a time when the read path asks. Gives up on an escalation after 24 h (libs/decision).
 */
import { answerRefreshGivenUp, isFinalCloudAnswer } from '@intellioptics/decision';
import type { ImageQuery } from '@intellioptics/schema';
import type { CloudClient } from '../cloud-client/cloud.client';
import type { Logger } from '../logger';
import type { ImageQueryRepository } from '../store/image-query.repository';

export interface AnswerRefresherDeps {
  imageQueries: Pick<ImageQueryRepository, 'openEscalations' | 'update' | 'markRefreshed'>;
  cloud: Pick<CloudClient, 'getImageQuery'>;
  log: Logger;
  intervalMs: number;
  now?: () => number;
  /** The cloud's final (for example a reviewer's) answer arrived (alert rules that wait for people take it). */
  onFinalAnswer?: (iq: ImageQuery) => void;
}

const BATCH = 50;

export class AnswerRefresher {
  private timer: NodeJS.Timeout | null = null;
  private refreshing = false;
  private stopped = false;

  constructor(private readonly deps: AnswerRefresherDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => void this.refreshOpen(), Math.max(200, this.deps.intervalMs));
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Refresh the least recently refreshed open escalations; returns how many got a newer answer. */
  async refreshOpen(): Promise<number> {
    if (this.refreshing) return 0;
    this.refreshing = true;
    let updated = 0;
    try {
      const open = await this.deps.imageQueries.openEscalations(BATCH);
      const now = this.now();
      for (const iq of open) {
        if (this.stopped) break;
        if (answerRefreshGivenUp(iq.createdAt, now)) {
          await this.deps.imageQueries.update(iq.id, iq.json, true, now);
          continue;
        }
        const fresh = await this.refreshOne(iq.id, iq.json);
        if (fresh !== null && fresh !== iq.json) updated++;
      }
    } catch (e) {
      this.deps.log.warn({ err: e }, 'refreshing escalated image queries failed');
    } finally {
      this.refreshing = false;
    }
    return updated;
  }

  /** Fetch one image query from the cloud and store its answer when it has one. Returns that answer's JSON. */
  async refreshOne(id: string, currentJson: string): Promise<string | null> {
    const r = await this.deps.cloud.getImageQuery(id);
    const now = this.now();
    if (r.kind !== 'ok' || r.value.result === null) {
      await this.deps.imageQueries.markRefreshed(id, now);
      return null;
    }
    const json = JSON.stringify(r.value);
    const final = isFinalCloudAnswer(r.value);
    if (json !== currentJson || final) await this.deps.imageQueries.update(id, json, final, now);
    if (final && json !== currentJson) this.deps.onFinalAnswer?.(r.value);
    return json;
  }
}
