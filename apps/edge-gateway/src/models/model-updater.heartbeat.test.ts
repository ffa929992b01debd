/**
 * What the heartbeat tells the cloud (fleet page): every served detector, with null versions before a first
 * model; the answer latency since the last heartbeat the cloud took (a refused one leaves its interval to the
 * next); a detector the cloud no longer knows drops its versions. The cloud is a recording fake.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CloudClient, Fetched, HubHeartbeat } from '../cloud-client/cloud.client';
import { createLogger } from '../logger';
import { EdgeMetrics } from '../metrics/metrics';
import { deadLetterReport, type DeadLetterReport } from './dead-letter-report';
import { ModelUpdaterService } from './model-updater.service';

const A = 'det_' + 'A'.repeat(27);
const B = 'det_' + 'B'.repeat(27);

function setup(opts: {
  accept: () => boolean;
  modelUrls: (id: string) => Fetched<never>;
  deadLetters?: () => Promise<DeadLetterReport>;
}) {
  const sent: HubHeartbeat[] = [];
  const metrics = new EdgeMetrics({ outboxDepth: () => 0, defaultMetrics: false });
  const cloud: Pick<CloudClient, 'fetchModelUrls' | 'download' | 'hubHeartbeat'> = {
    fetchModelUrls: async (id) => opts.modelUrls(id),
    download: async () => ({ kind: 'unreachable', message: 'not in this test' }),
    hubHeartbeat: async (input) => {
      sent.push(structuredClone(input));
      return opts.accept();
    },
  };
  const sut = new ModelUpdaterService({
    cloud,
    cloudUrl: 'http://127.0.0.1:1',
    token: 'hub_token',
    modelsDir: join(mkdtempSync(join(tmpdir(), 'edge-hb-')), 'models'),
    log: createLogger('silent'),
    metrics,
    detectorIds: () => [A, B],
    refreshRateS: () => 3600,
    heartbeatIntervalS: 3600,
    counters: async () => ({ edge_image_queries_total: 3 }),
    ...(opts.deadLetters ? { deadLetters: opts.deadLetters } : {}),
  });
  return { sut, sent, metrics };
}

describe('ModelUpdaterService heartbeat', () => {
  it('lists every served detector and reports latency once per interval the cloud took', async () => {
    let accept = true;
    const { sut, sent, metrics } = setup({ accept: () => accept, modelUrls: () => ({ kind: 'not_found' }) });
    metrics.answerLatency.observe({ answered_by: 'edge' }, 0.004);
    metrics.answerLatency.observe({ answered_by: 'cloud' }, 0.004);
    expect(await sut.heartbeat()).toBe(true);
    expect(sent[0]).toEqual({
      servedDetectors: [
        { detectorId: A, primaryVersion: null, ooddVersion: null },
        { detectorId: B, primaryVersion: null, ooddVersion: null },
      ],
      counters: { edge_image_queries_total: 3 },
      // Both in the (2.5 ms, 5 ms] bucket: interpolated within it.
      latency: { count: 2, meanMs: 4, p50Ms: 3.75, p95Ms: 4.875 },
    });

    expect(await sut.heartbeat()).toBe(true);
    expect(sent[1]!.latency).toEqual({ count: 0, meanMs: null, p50Ms: null, p95Ms: null });

    // Refused: the next heartbeat reports this interval again, with what came after.
    metrics.answerLatency.observe({ answered_by: 'edge' }, 0.004);
    accept = false;
    expect(await sut.heartbeat()).toBe(false);
    expect(sent[2]!.latency?.count).toBe(1);
    accept = true;
    metrics.answerLatency.observe({ answered_by: 'edge' }, 0.004);
    expect(await sut.heartbeat()).toBe(true);
    expect(sent[3]!.latency?.count).toBe(2);
    await sut.stop();
  });

  it('stops reporting versions of a detector the cloud answers 404 for', async () => {
    const { sut, sent } = setup({ accept: () => true, modelUrls: () => ({ kind: 'not_found' }) });
    // As if installed before (scanInstalled found its newest version on disk).
    (sut as unknown as { served: Map<string, unknown> }).served.set(A, {
      primary: { version: 3, modelId: 'mv_1' },
    });
    expect(sut.servedDetectors()[0]).toEqual({ detectorId: A, primaryVersion: 3, ooddVersion: null });
    await sut.trigger(A);
    expect(sut.servedDetectors()[0]).toEqual({ detectorId: A, primaryVersion: null, ooddVersion: null });
    expect(sent.length).toBeGreaterThan(0); // it told the cloud at once
    await sut.stop();
  });

  it("carries the dead-letter list's count and newest items, as the outbox reports them", async () => {
    const dead = [
      {
        iqId: 'iq_2',
        detectorId: A,
        kind: 'escalation' as const,
        attempts: 8,
        cause: 'MAX_ATTEMPTS' as const,
        lastError: 'HTTP 500',
        createdAt: 1_000,
        deadAt: Date.UTC(2026, 11, 2, 20, 0, 0),
      },
      {
        iqId: 'iq_1',
        detectorId: B,
        kind: 'escalation' as const,
        attempts: 1,
        cause: 'CONFLICT' as const,
        lastError: 'HTTP 409',
        createdAt: 500,
        deadAt: Date.UTC(2026, 11, 2, 19, 0, 0),
      },
    ];
    let asked = 0;
    const outbox = {
      deadCount: () => 5,
      deadLetters: async (limit: number) => {
        asked = limit;
        return dead.slice(0, limit);
      },
    };
    const { sut, sent } = setup({
      accept: () => true,
      modelUrls: () => ({ kind: 'not_found' }),
      deadLetters: () => deadLetterReport(outbox),
    });
    expect(await sut.heartbeat()).toBe(true);
    expect(asked).toBe(10);
    expect(sent[0]!.deadLetters).toEqual({
      count: 5,
      items: [
        { id: 'iq_2', detectorId: A, cause: 'MAX_ATTEMPTS', since: '2026-12-02T20:00:00.000Z' },
        { id: 'iq_1', detectorId: B, cause: 'CONFLICT', since: '2026-12-02T19:00:00.000Z' },
      ],
    });
    // The count is never below what is listed (the in-memory count may trail a commit).
    expect((await deadLetterReport({ ...outbox, deadCount: () => 0 })).count).toBe(2);
  });

  it('sends no dead-letter report without a source (the cloud keeps the last one)', async () => {
    const { sut, sent } = setup({ accept: () => true, modelUrls: () => ({ kind: 'not_found' }) });
    await sut.heartbeat();
    expect(sent[0]).not.toHaveProperty('deadLetters');
  });
});
