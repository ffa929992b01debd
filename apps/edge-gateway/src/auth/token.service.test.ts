import { describe, expect, it } from 'vitest';
import { IntelliOpticsError } from '@intellioptics/schema';
import type { CloudClient } from '../cloud-client/cloud.client';
import { createLogger } from '../logger';
import type { TokenCacheRepository } from '../store/token-cache.repository';
import { TokenService } from './token.service';

/** A cloud whose /me answer is scripted, counting calls. */
function fakeCloud(verdicts: Record<string, 'valid' | 'invalid'>, online: { value: boolean }) {
  let calls = 0;
  const cloud = {
    checkToken: async (token: string) => {
      calls++;
      if (!online.value) return 'unreachable' as const;
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

const status = async (p: Promise<void>) =>
  p.then(
    () => 200,
    (e: unknown) => (e instanceof IntelliOpticsError ? e.status : 500),
  );

describe(TokenService.name, () => {
  const log = createLogger('silent');

  function make(
    online: { value: boolean },
    store = memoryStore(),
    offlineUnknown: 'accept' | 'reject' = 'accept',
  ) {
    const c = fakeCloud({ good: 'valid', bad: 'invalid' }, online);
    const sut = new TokenService({
      cloud: c.cloud,
      store: store.store,
      log,
      edgeToken: 'edge',
      revalidateMs: 60_000,
      offlineUnknown,
    });
    return { sut, calls: c.calls, store };
  }

  it('refuses a missing token and accepts the edge token without asking the cloud', async () => {
    const { sut, calls } = make({ value: true });
    expect(await status(sut.authorize(undefined))).toBe(401);
    expect(await status(sut.authorize('  '))).toBe(401);
    expect(await status(sut.authorize('edge'))).toBe(200);
    expect(calls()).toBe(0);
  });

  it('asks the cloud once per token and caches the verdict', async () => {
    const { sut, calls } = make({ value: true });
    expect(await status(sut.authorize('good'))).toBe(200);
    expect(await status(sut.authorize('good'))).toBe(200);
    expect(await status(sut.authorize('bad'))).toBe(401);
    expect(await status(sut.authorize('bad'))).toBe(401);
    expect(calls()).toBe(2);
  });

  it('keeps a token seen before working offline, across a restart', async () => {
    const online = { value: true };
    const first = make(online);
    expect(await status(first.sut.authorize('good'))).toBe(200);
    online.value = false;
    const restarted = make(online, first.store);
    await restarted.sut.init();
    expect(await status(restarted.sut.authorize('good'))).toBe(200);
    expect(await status(restarted.sut.authorize('bad'))).toBe(200); // never seen + offline → accepted (default)
    const strict = make(online, first.store, 'reject');
    await strict.sut.init();
    expect(await status(strict.sut.authorize('good'))).toBe(200);
    expect(await status(strict.sut.authorize('other'))).toBe(401);
  });
});
