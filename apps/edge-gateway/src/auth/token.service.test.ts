import { describe, expect, it } from 'vitest';
import { IntelliOpticsError } from '@intellioptics/schema';
import type { CloudClient, TokenVerdict } from '../cloud-client/cloud.client';
import { createLogger } from '../logger';
import type { TokenCacheRepository } from '../store/token-cache.repository';
import { TokenService } from './token.service';

type Cloud = 'online' | 'offline' | '5xx';

/** A cloud whose /me answer is scripted, counting calls. */
function fakeCloud(verdicts: Record<string, 'valid' | 'invalid'>, state: { value: Cloud }) {
  let calls = 0;
  const cloud = {
    checkToken: async (token: string): Promise<TokenVerdict> => {
      calls++;
      if (state.value === 'offline') return 'unreachable';
      if (state.value === '5xx') return 'unavailable';
      return verdicts[token] ?? 'invalid';
    },
  } as unknown as CloudClient;
  return { cloud, calls: () => calls };
}

function memoryStore() {
  const tokens = new Map<string, { valid: boolean; checkedAt: number }>();
  return {
    store: {
      save: async (t: { hash: string; valid: boolean; checkedAt: number }) =>
        void tokens.set(t.hash, { valid: t.valid, checkedAt: t.checkedAt }),
      loadAll: async () => [...tokens].map(([hash, v]) => ({ hash, ...v })),
    } satisfies Pick<TokenCacheRepository, 'save' | 'loadAll'>,
    tokens,
  };
}

const outcome = async (p: Promise<void>) =>
  p.then(
    () => '200',
    (e: unknown) =>
      e instanceof IntelliOpticsError
        ? `${e.status}${e.details?.['retryAfterS'] ? ' retry-after' : ''}`
        : '500',
  );

const S = 1000;
const H = 3600 * S;

describe(TokenService.name, () => {
  const log = createLogger('silent');

  function make(
    cloud: { value: Cloud },
    opts: { store?: ReturnType<typeof memoryStore>; offlineUnknown?: 'accept' | 'reject'; max?: number } = {},
  ) {
    const clock = { now: 100 * H };
    const store = opts.store ?? memoryStore();
    const c = fakeCloud({ good: 'valid', good2: 'valid', good3: 'valid', bad: 'invalid' }, cloud);
    const sut = new TokenService({
      cloud: c.cloud,
      store: store.store,
      log,
      edgeToken: 'edge',
      revalidateMs: 30 * S,
      offlineTrustMs: 24 * H,
      offlineUnknown: opts.offlineUnknown ?? 'reject',
      maxCached: opts.max ?? 100,
      now: () => clock.now,
    });
    return { sut, calls: c.calls, store, clock };
  }

  it('refuses a missing token and accepts the edge token without asking the cloud', async () => {
    const { sut, calls } = make({ value: 'online' });
    expect(await outcome(sut.authorize(undefined))).toBe('401');
    expect(await outcome(sut.authorize('  '))).toBe('401');
    expect(await outcome(sut.authorize('edge'))).toBe('200');
    expect(calls()).toBe(0);
  });

  it('asks the cloud once per token and re-asks after TOKEN_REVALIDATE_S (revocation)', async () => {
    const { sut, calls, clock } = make({ value: 'online' });
    expect(await outcome(sut.authorize('good'))).toBe('200');
    expect(await outcome(sut.authorize('good'))).toBe('200');
    expect(await outcome(sut.authorize('bad'))).toBe('401');
    expect(await outcome(sut.authorize('bad'))).toBe('401');
    expect(calls()).toBe(2);
    clock.now += 31 * S;
    expect(await outcome(sut.authorize('good'))).toBe('200'); // accepted, re-checked in the background
    expect(calls()).toBe(3);
  });

  it('refuses a token on the first request after the background re-check found it revoked', async () => {
    const verdicts: Record<string, 'valid' | 'invalid'> = { t: 'valid' };
    const clock = { now: 0 };
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const sut = new TokenService({
      cloud: {
        checkToken: async (token: string) => {
          if (clock.now > 0) await gate;
          return verdicts[token] ?? 'invalid';
        },
      } as unknown as CloudClient,
      store: memoryStore().store,
      log,
      edgeToken: null,
      revalidateMs: 30 * S,
      offlineTrustMs: 24 * H,
      offlineUnknown: 'reject',
      maxCached: 10,
      now: () => clock.now,
    });
    expect(await outcome(sut.authorize('t'))).toBe('200');
    verdicts['t'] = 'invalid'; // revoked in the cloud
    clock.now = 31 * S;
    expect(await outcome(sut.authorize('t'))).toBe('200'); // the re-check is still out
    release();
    await new Promise((r) => setImmediate(r));
    expect(await outcome(sut.authorize('t'))).toBe('401');
  });

  it('trusts a verified token offline for the bound, measured from its verification, across a restart', async () => {
    const cloud = { value: 'online' as Cloud };
    const first = make(cloud);
    expect(await outcome(first.sut.authorize('good'))).toBe('200');
    cloud.value = 'offline';
    const restarted = make(cloud, { store: first.store });
    await restarted.sut.init();
    restarted.clock.now = first.clock.now + 23 * H;
    expect(await outcome(restarted.sut.authorize('good'))).toBe('200');
    expect(await outcome(restarted.sut.authorize('never-seen'))).toBe('401');
    restarted.clock.now = first.clock.now + 25 * H;
    expect(await outcome(restarted.sut.authorize('good'))).toBe('401');
    const lenient = make(cloud, { store: first.store, offlineUnknown: 'accept' });
    expect(await outcome(lenient.sut.authorize('never-seen'))).toBe('200');
  });

  it('answers 503 + Retry-After, never accept, for an unknown token while the cloud answers 5xx/429', async () => {
    const cloud = { value: 'online' as Cloud };
    const { sut, clock, calls } = make(cloud, { offlineUnknown: 'accept' });
    expect(await outcome(sut.authorize('good'))).toBe('200');
    cloud.value = '5xx';
    clock.now += 31 * S;
    expect(await outcome(sut.authorize('good'))).toBe('200');
    expect(await outcome(sut.authorize('good2'))).toBe('503 retry-after');
    const before = calls();
    // A failure is reused for a few seconds: an outage does not cost every request a cloud call.
    expect(await outcome(sut.authorize('good2'))).toBe('503 retry-after');
    expect(calls()).toBe(before);
    clock.now += 25 * H;
    expect(await outcome(sut.authorize('good'))).toBe('503 retry-after');
  });

  it('bounds what it remembers, in memory and in the store it is given', async () => {
    const { sut, calls } = make({ value: 'online' }, { max: 2 });
    for (const t of ['good', 'good2', 'good3']) expect(await outcome(sut.authorize(t))).toBe('200');
    expect(calls()).toBe(3);
    expect(await outcome(sut.authorize('good3'))).toBe('200');
    expect(calls()).toBe(3);
    expect(await outcome(sut.authorize('good'))).toBe('200'); // forgotten: asked again
    expect(calls()).toBe(4);
  });
});
