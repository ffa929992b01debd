/**
 * A synchronous escalation: the request asks the cloud itself, within its time budget. When the edge keeps
 * the image query (it is already stored with its outbox item), the outbox worker is kept off that item while
 * the request sends it, and the outcome is settled like any outbox attempt.
 */
import type { SyncAttempt } from '@intellioptics/decision';
import type { ImageQuery } from '@intellioptics/schema';
import type { CloudClient, SubmitEscalation } from '../cloud-client/cloud.client';
import type { CloudStatus } from '../cloud-client/cloud-status';
import type { OutboxSettler } from './outbox.settler';
import type { OutboxWorker } from './outbox.worker';

export interface SyncEscalationResult {
  attempt: SyncAttempt;
  imageQuery: ImageQuery | null;
  detail: string | null;
}

export interface SyncEscalatorDeps {
  cloud: Pick<CloudClient, 'submitImageQuery'>;
  cloudStatus: Pick<CloudStatus, 'ok' | 'failed'>;
  settler: Pick<OutboxSettler, 'settle'>;
  outbox: Pick<OutboxWorker, 'claim' | 'release'>;
}

type Send = Omit<SubmitEscalation, 'wantAsync'>;

export class SyncEscalator {
  constructor(private readonly deps: SyncEscalatorDeps) {}

  /** Keep the outbox worker off these items: the request will send them (call before they are stored). */
  claim(iqId: string): void {
    this.deps.outbox.claim(iqId);
  }

  /** The edge keeps nothing (preset disabled): the cloud's answer, or why there is none. */
  async askOnly(send: Send): Promise<SyncEscalationResult> {
    const r = await this.deps.cloud.submitImageQuery({ ...send, wantAsync: false });
    const refused = r.outcome.kind === 'http' && r.outcome.status >= 400 && r.outcome.status < 500;
    this.note(r.outcome.kind === 'http' && r.outcome.status < 500);
    return {
      attempt: {
        delivery: r.imageQuery ? 'delivered' : 'retry',
        refused,
        cloudAnswered: r.imageQuery !== null,
      },
      imageQuery: r.imageQuery,
      detail: r.detail,
    };
  }

  /** Send a claimed, stored outbox item now and settle its outcome; releases the claim. */
  async sendStored(send: Send): Promise<SyncEscalationResult> {
    try {
      const r = await this.deps.cloud.submitImageQuery({ ...send, wantAsync: false });
      const delivery = await this.deps.settler.settle(send.iqId, 'escalation', r.outcome, r.detail);
      this.note(delivery !== 'retry');
      const refused = r.outcome.kind === 'http' && r.outcome.status >= 400 && r.outcome.status < 500;
      return {
        attempt: { delivery, refused, cloudAnswered: delivery === 'delivered' && r.imageQuery !== null },
        imageQuery: delivery === 'delivered' ? r.imageQuery : null,
        detail: r.detail,
      };
    } finally {
      this.deps.outbox.release(send.iqId);
    }
  }

  /** Give a claim back without sending (the item could not be stored). */
  release(iqId: string): void {
    this.deps.outbox.release(iqId);
  }

  private note(ok: boolean): void {
    if (ok) this.deps.cloudStatus.ok();
    else this.deps.cloudStatus.failed();
  }
}
