/**
 * OutboxWorker and OutboxSettler with in-process fakes for the repository and the cloud: what each send
 * outcome does to an item, and which items a pass sends.
 */
import { describe, expect, it } from 'vitest';
import type { SubmitEscalation, SubmitResult } from '../cloud-client/cloud.client';
import { createLogger } from '../logger';
import { EdgeMetrics } from '../metrics/metrics';
import type { OutboxItem } from '../store/outbox.repository';
import { OutboxSettler } from './outbox.settler';
import { OutboxWorker } from './outbox.worker';
import type { SendOutcome } from './retry-policy';

const NOW = 1_000_000;
const params = {
  patience_time: 30,
  confidence_threshold: 0.9,
  human_review: 'DEFAULT' as const,
  metadata: {},
};

function item(iqId: string, over: Partial<OutboxItem> = {}): OutboxItem {
  return {
    seq: 1,
    iqId,
    detectorId: `det_${iqId}`,
    kind: 'escalation',
    params,
    attempts: 0,
    nextAttemptAt: NOW,
    state: 'pending',
    lastError: null,
    createdAt: NOW,
    ...over,
  };
}

function setup(
  heads: OutboxItem[],
  answer: (iqId: string) => SendOutcome,
  images = new Set(heads.map((h) => h.iqId)),
) {
  const marks: string[] = [];
  const sent: SubmitEscalation[] = [];
  const cloudSeen: string[] = [];
  const outbox = {
    heads: async () => heads,
    markDelivered: async (id: string) => void marks.push(`delivered ${id}`),
    markRetry: async (id: string, attempts: number, next: number, error: string) =>
      void marks.push(`retry ${id} #${attempts} in ${next - NOW} ms: ${error}`),
    markDead: async (id: string, attempts: number, cause: string, error: string) =>
      void marks.push(`dead ${id} #${attempts} ${cause}: ${error}`),
  };
  const metrics = new EdgeMetrics({ outboxDepth: () => 0, defaultMetrics: false });
  const log = createLogger('silent');
  const settler = new OutboxSettler({
    outbox,
    metrics,
    log,
    backoffMaxS: 30,
    now: () => NOW,
    random: () => 1,
  });
  const worker = new OutboxWorker({
    outbox,
    images: {
      forImageQuery: async (id) =>
        images.has(id) ? { bytes: Buffer.from(`img ${id}`), contentType: 'image/png' } : null,
    },
    settler,
    cloud: {
      submitImageQuery: async (input): Promise<SubmitResult> => {
        sent.push(input);
        const outcome = answer(input.iqId);
        return {
          outcome,
          imageQuery: null,
          detail: outcome.kind === 'http' && outcome.status >= 400 ? `${outcome.status}: refused` : null,
        };
      },
    },
    cloudStatus: { ok: () => void cloudSeen.push('ok'), failed: () => void cloudSeen.push('failed') },
    metrics,
    log,
    idlePollMs: 1000,
    sendTimeoutMs: 15_000,
    now: () => NOW,
  });
  return { worker, marks, sent, cloudSeen, metrics };
}

describe(OutboxWorker.name, () => {
  it.each<[string, SendOutcome, string, 'ok' | 'failed']>([
    ['2xx', { kind: 'http', status: 200 }, 'delivered iq_a', 'ok'],
    [
      '409 (a conflict: never counted delivered)',
      { kind: 'http', status: 409 },
      'dead iq_a #1 CONFLICT: 409: refused',
      'ok',
    ],
    ['5xx', { kind: 'http', status: 503 }, 'retry iq_a #1 in 500 ms: 503: refused', 'failed'],
    [
      '429 with Retry-After',
      { kind: 'http', status: 429, retryAfterS: 7 },
      'retry iq_a #1 in 7000 ms: 429: refused',
      'failed',
    ],
    ['a timeout', { kind: 'timeout' }, 'retry iq_a #1 in 500 ms: timeout', 'failed'],
    ['400 (refused for good)', { kind: 'http', status: 400 }, 'dead iq_a #1 REFUSED: 400: refused', 'ok'],
  ])('settles %s once', async (_name, outcome, mark, cloud) => {
    const t = setup([item('iq_a')], () => outcome);
    const pass = await t.worker.drainOnce();
    expect(t.marks).toEqual([mark]);
    expect(t.cloudSeen).toEqual([cloud]);
    expect(pass.results).toHaveLength(1);
  });

  it('sends each due head once with the stored image, the same id and want_async', async () => {
    const t = setup([item('iq_a'), item('iq_b', { kind: 'audit', attempts: 3 })], () => ({
      kind: 'http',
      status: 201,
    }));
    await t.worker.drainOnce();
    expect(t.sent.map((s) => [s.iqId, s.wantAsync, Buffer.from(s.image).toString(), s.contentType])).toEqual([
      ['iq_a', true, 'img iq_a', 'image/png'],
      ['iq_b', true, 'img iq_b', 'image/png'],
    ]);
    expect(t.sent[0]!.params).toEqual(params);
    expect((await t.metrics.outboxDelivered.get()).values.map((v) => [v.labels.kind, v.value])).toEqual([
      ['escalation', 1],
      ['audit', 1],
    ]);
  });

  it('leaves claimed and not-yet-due items alone and reports when the next one is due', async () => {
    const t = setup([item('iq_a'), item('iq_b', { nextAttemptAt: NOW + 5000 })], () => ({
      kind: 'http',
      status: 200,
    }));
    t.worker.claim('iq_a');
    const pass = await t.worker.drainOnce();
    expect(t.sent).toEqual([]);
    expect(pass.nextDue).toBe(NOW + 5000);
    t.worker.release('iq_a');
    await t.worker.drainOnce();
    expect(t.sent.map((s) => s.iqId)).toEqual(['iq_a']);
  });

  it('sets an item aside when its image is gone, without calling the cloud', async () => {
    const t = setup([item('iq_a', { attempts: 2 })], () => ({ kind: 'http', status: 200 }), new Set());
    await t.worker.drainOnce();
    expect(t.marks).toEqual(['dead iq_a #3 IMAGE_MISSING: the image file is missing']);
    expect(t.sent).toEqual([]);
  });

  it('sets a poison item (HTTP 500 every time) aside after the attempt cap', async () => {
    const t = setup([item('iq_a', { attempts: 7 })], () => ({ kind: 'http', status: 500 }));
    await t.worker.drainOnce();
    expect(t.marks).toEqual(['dead iq_a #8 MAX_ATTEMPTS: 500: refused']);
  });

  it('backs off exponentially with the recorded attempts', async () => {
    const t = setup([item('iq_a', { attempts: 4 })], () => ({ kind: 'network', message: 'ECONNREFUSED' }));
    await t.worker.drainOnce();
    expect(t.marks).toEqual(['retry iq_a #5 in 8000 ms: network: ECONNREFUSED']);
  });
});
