import { describe, expect, it } from 'vitest';
import {
  CLOSED,
  CircuitBreakingInferenceClient,
  breakerStep,
  type BreakerConfig,
  type BreakerEvent,
  type BreakerState,
} from './circuit-breaker';
import type { InferenceCall, InferenceClient } from './inference.client';

const cfg: BreakerConfig = { failures: 3, openMs: 10_000, maxInFlight: 2 };

describe(breakerStep.name, () => {
  const rows: [string, BreakerState, BreakerEvent, BreakerState, string | undefined][] = [
    ['closed admits', CLOSED, { kind: 'admit', now: 0, inFlight: 1 }, CLOSED, 'go'],
    ['closed, saturated', CLOSED, { kind: 'admit', now: 0, inFlight: 2 }, CLOSED, 'saturated'],
    [
      'closed, a failure counts',
      CLOSED,
      { kind: 'failure', now: 0 },
      { kind: 'closed', failures: 1 },
      undefined,
    ],
    [
      'closed, the K-th failure opens',
      { kind: 'closed', failures: 2 },
      { kind: 'failure', now: 5 },
      { kind: 'open', until: 10_005 },
      undefined,
    ],
    ['closed, a success resets', { kind: 'closed', failures: 2 }, { kind: 'success' }, CLOSED, undefined],
    [
      'open refuses before its time',
      { kind: 'open', until: 100 },
      { kind: 'admit', now: 99, inFlight: 0 },
      { kind: 'open', until: 100 },
      'open',
    ],
    [
      'open lets one probe through at its time',
      { kind: 'open', until: 100 },
      { kind: 'admit', now: 100, inFlight: 0 },
      { kind: 'half_open' },
      'probe',
    ],
    [
      'half-open refuses while the probe is out',
      { kind: 'half_open' },
      { kind: 'admit', now: 200, inFlight: 1 },
      { kind: 'half_open' },
      'open',
    ],
    ['half-open, probe success closes', { kind: 'half_open' }, { kind: 'success' }, CLOSED, undefined],
    [
      'half-open, probe failure reopens',
      { kind: 'half_open' },
      { kind: 'failure', now: 300 },
      { kind: 'open', until: 10_300 },
      undefined,
    ],
  ];
  it.each(rows)('%s', (_name, state, event, next, admission) => {
    const r = breakerStep(state, event, cfg);
    expect(r.state).toEqual(next);
    expect(r.admission).toBe(admission);
  });
});

/** An inference stand-in whose calls are settled by the test, counting the calls that reach it. */
function scriptedInference() {
  const pending: ((c: InferenceCall) => void)[] = [];
  let calls = 0;
  const client: InferenceClient = {
    infer: () => {
      calls++;
      return new Promise((resolve) => pending.push(resolve));
    },
    inferMany: async () => new Map(),
    ready: async () => true,
    close: () => undefined,
  };
  return { client, pending, calls: () => calls };
}

describe(CircuitBreakingInferenceClient.name, () => {
  const img = new Uint8Array([1]);
  const down: InferenceCall = { kind: 'down', message: 'timeout' };

  it('bounds calls in flight: the one beyond the bound is answered down without reaching the service', async () => {
    const s = scriptedInference();
    const sut = new CircuitBreakingInferenceClient(s.client, cfg);
    const a = sut.infer('d', img, 'image/jpeg');
    const b = sut.infer('d', img, 'image/jpeg');
    const c = await sut.infer('d', img, 'image/jpeg');
    expect(c.kind).toBe('down');
    expect(s.calls()).toBe(2);
    s.pending.forEach((resolve) => resolve(down));
    await Promise.all([a, b]);
    expect(sut.callsInFlight).toBe(0);
  });

  it('opens after K failures, refuses fast, probes once when the time is up, closes on success', async () => {
    const s = scriptedInference();
    const clock = { now: 0 };
    const changes: string[] = [];
    const sut = new CircuitBreakingInferenceClient(
      s.client,
      { ...cfg, maxInFlight: 10 },
      { changed: (to) => void changes.push(to) },
      () => clock.now,
    );
    for (let i = 0; i < 3; i++) {
      const p = sut.infer('d', img, 'image/jpeg');
      s.pending.shift()!(down);
      await p;
    }
    expect(sut.breakerState).toBe('open');
    expect(sut.retryAfterS()).toBe(10);
    expect((await sut.infer('d', img, 'image/jpeg')).kind).toBe('down');
    expect(s.calls()).toBe(3);
    clock.now = 10_000;
    const probe = sut.infer('d', img, 'image/jpeg');
    expect((await sut.infer('d', img, 'image/jpeg')).kind).toBe('down'); // refused while the probe is out
    expect(s.calls()).toBe(4);
    s.pending.shift()!({ kind: 'no_model' });
    expect((await probe).kind).toBe('no_model');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });
});
