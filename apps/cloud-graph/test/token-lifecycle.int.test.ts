/**
 * User API tokens expire, can be revoked, and stop working while their user is disabled; an open graphql-ws
 * session using such a token (or a rotated hub token) is closed within AUTH_RECHECK_INTERVAL_MS. Real server,
 * real PostgreSQL.
 */
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiToken } from '../src/modules/users/user.entity';
import { api, gql, startCloudForTests, type TestCloud } from './support/test-cloud';

let t: TestCloud;

beforeAll(async () => {
  t = await startCloudForTests({
    envOverrides: { AUTH_RECHECK_INTERVAL_MS: '200', API_TOKEN_TTL_DAYS: '30' },
  });
});
afterAll(async () => {
  await t?.close();
});

const me = async (token: string) => (await api(t.url)('/v1/me', { token })).status;

async function newToken(expiresInDays?: number) {
  const res = await gql(t.url)(
    'mutation($u: ID, $d: Int) { createApiToken(name: "t", userId: $u, expiresInDays: $d) { ok token error { code } } }',
    { u: t.reviewerId, d: expiresInDays ?? null },
  );
  const token = res.body.data.createApiToken.token as string;
  const listed = await gql(t.url)(
    'query($u: ID) { apiTokens(userId: $u) { id snippet expiresAt revokedAt } }',
    {
      u: t.reviewerId,
    },
  );
  const row = (
    listed.body.data.apiTokens as { id: string; snippet: string; expiresAt: string | null }[]
  ).find((k) => token.startsWith(k.snippet))!;
  return { token, id: row.id, expiresAt: row.expiresAt };
}

/** A graphql-ws connection with a live subscription; resolves its close code. */
async function openSession(token: string): Promise<{ closed: Promise<number> }> {
  const client = createClient({
    url: `${t.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { 'x-api-token': token },
    retryAttempts: 0,
  });
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => (resolveClosed = r));
  await new Promise<void>((resolve, reject) => {
    client.on('connected', () => resolve());
    client.on('closed', (e) => {
      resolveClosed((e as { code: number }).code);
      reject(new Error('closed before connecting'));
    });
    client.subscribe(
      { query: 'subscription { modelVersionPublished { detectorId } }' },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
  });
  return { closed };
}

describe('user API tokens', () => {
  it('expire after API_TOKEN_TTL_DAYS by default, or after expiresInDays, or never with 0', async () => {
    const dflt = await newToken();
    const days = (iso: string | null) => (Date.parse(iso!) - Date.now()) / 86_400_000;
    expect(days(dflt.expiresAt)).toBeGreaterThan(29.9);
    expect(days(dflt.expiresAt)).toBeLessThan(30.1);
    expect(days((await newToken(2)).expiresAt)).toBeLessThan(2.1);
    expect((await newToken(0)).expiresAt).toBeNull();
  });

  it('stop working once expired', async () => {
    const k = await newToken();
    expect(await me(k.token)).toBe(200);
    await t.deps.orm.em
      .fork()
      .nativeUpdate(ApiToken, { id: k.id }, { expiresAt: new Date(Date.now() - 1000) });
    expect(await me(k.token)).toBe(401);
    expect((await gql(t.url)('{ me { name } }', {}, k.token)).status).toBe(401);
  });

  it('are revoked by their owner or an admin, not by another reviewer; a revoked token stops at once', async () => {
    const k = await newToken();
    const revoke = (token: string) =>
      gql(t.url)(
        'mutation($id: ID!) { revokeApiToken(id: $id) { ok apiToken { revokedAt } } }',
        { id: k.id },
        token,
      );
    const other = await revoke(t.tokens.reviewer2);
    expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await me(k.token)).toBe(200);
    const own = await revoke(k.token);
    expect(own.body.data.revokeApiToken.ok).toBe(true);
    expect(own.body.data.revokeApiToken.apiToken.revokedAt).toEqual(expect.any(String));
    expect(await me(k.token)).toBe(401);
  });

  it('stop working while their user is disabled, and work again once enabled', async () => {
    const k = await newToken();
    const set = (disabled: boolean) =>
      gql(t.url)(
        'mutation($id: ID!, $d: Boolean!) { setUserDisabled(id: $id, disabled: $d) { ok user { disabledAt } } }',
        {
          id: t.reviewerId,
          d: disabled,
        },
      );
    expect((await set(true)).body.data.setUserDisabled.user.disabledAt).toEqual(expect.any(String));
    expect(await me(k.token)).toBe(401);
    expect(await me(t.tokens.reviewer)).toBe(401);
    await set(false);
    expect(await me(k.token)).toBe(200);
  });

  it('an admin cannot disable itself', async () => {
    const self = (await gql(t.url)('{ me { id } }')).body.data.me.id as string;
    const res = await gql(t.url)('mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { ok } }', {
      id: self,
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await me(t.tokens.admin)).toBe(200);
  });
});

describe('open sessions', () => {
  it('close when their token is revoked', async () => {
    const k = await newToken();
    const session = await openSession(k.token);
    await gql(t.url)('mutation($id: ID!) { revokeApiToken(id: $id) { ok } }', { id: k.id });
    expect(await session.closed).toBe(4403);
  });

  it('close when a hub token is rotated', async () => {
    const rotated = await t.services.hubs.rotateToken(t.hubId);
    const session = await openSession(rotated.token);
    await t.services.hubs.rotateToken(t.hubId);
    expect(await session.closed).toBe(4403);
  });
});
