/**
 * Offline auth bounds at the edge against the real cloud (cloud-graph on PostgreSQL) behind a switchable
 * front (hardening-cloud-proxy.ts): revocation reaches the edge within TOKEN_REVALIDATE_S; offline, a
 * verified token works within AUTH_OFFLINE_TRUST_S (also after a restart) and an unknown one is refused;
 * a cloud answering 5xx is not "offline": an unknown token gets 503 + Retry-After, never access.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gql, startCloudForTests, type TestCloud } from '@intellioptics/cloud-graph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudProxy } from './hardening-cloud-proxy';
import { startGateway, waitFor, type Harness } from './support/harness';

let cloud: TestCloud;
let proxy: CloudProxy;
let ioHome = '';
let edge: Harness | null = null;

async function startEdge(env: Record<string, string>): Promise<Harness> {
  await edge?.gateway.close();
  edge = await startGateway({
    cloudUrl: proxy.url,
    inferenceUrl: 'http://127.0.0.1:9',
    token: cloud.tokens.admin,
    ioHome,
    env: { TOKEN_REVALIDATE_S: '0.2', ...env },
  });
  return edge;
}

/** An authenticated REST read the edge answers from memory (no cloud call besides the token check). */
async function listDetectors(token: string): Promise<{ status: number; retryAfter: string | null }> {
  const res = await fetch(`${edge!.url}/device-api/v1/detectors`, { headers: { 'x-api-token': token } });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

beforeAll(async () => {
  cloud = await startCloudForTests();
  proxy = new CloudProxy(cloud.url);
  await proxy.start();
  ioHome = await mkdtemp(join(tmpdir(), 'edge-hardening-auth-'));
}, 120_000);

afterAll(async () => {
  await edge?.gateway.close();
  await proxy?.close();
  await cloud?.close();
}, 60_000);

describe('edge auth against the real cloud', () => {
  it('stops accepting a revoked token within TOKEN_REVALIDATE_S while the cloud is reachable', async () => {
    await startEdge({});
    const { token, apiToken } = await cloud.services.users.createToken(cloud.reviewerId, 'to-revoke');
    expect((await listDetectors(token)).status).toBe(200);
    const revoked = await gql(cloud.url)(`mutation($id: ID!) { revokeApiToken(id: $id) { ok } }`, {
      id: apiToken.id,
    });
    expect(revoked.body.data.revokeApiToken.ok).toBe(true);
    // TOKEN_REVALIDATE_S is 0.2 s here; the bound the edge guarantees in production is 60 s.
    await waitFor(async () => (await listDetectors(token)).status === 401, 60_000, 'the revocation');
  });

  it('offline: trusts a verified token (also after a restart), refuses one it never saw', async () => {
    await startEdge({});
    expect((await listDetectors(cloud.tokens.reviewer)).status).toBe(200);
    proxy.mode = 'offline';
    try {
      // TOKEN_REVALIDATE_S=0: every request asks the cloud, so each one meets the outage.
      await startEdge({ AUTH_OFFLINE_TRUST_S: '86400', TOKEN_REVALIDATE_S: '0' });
      const before = proxy.hitsOf('/device-api/v1/me');
      expect((await listDetectors(cloud.tokens.reviewer)).status).toBe(200);
      // The edge did ask (its verification was older than TOKEN_REVALIDATE_S) and met the outage.
      await waitFor(() => proxy.hitsOf('/device-api/v1/me') > before, 10_000, 'the re-check');
      expect((await listDetectors(cloud.tokens.reviewer2)).status).toBe(401);

      // The same persisted verification, beyond a (tiny) offline bound: refused.
      await startEdge({ AUTH_OFFLINE_TRUST_S: '0', TOKEN_REVALIDATE_S: '0' });
      expect((await listDetectors(cloud.tokens.reviewer)).status).toBe(401);
    } finally {
      proxy.mode = 'pass';
    }
    // Back online: accepted again once the edge asks (a failed ask stands for a few seconds).
    await waitFor(
      async () => (await listDetectors(cloud.tokens.reviewer)).status === 200,
      30_000,
      'recovery',
    );
  });

  it('a cloud answering 5xx is not offline: unknown tokens get 503 + Retry-After, known ones keep working', async () => {
    await startEdge({ AUTH_OFFLINE_UNKNOWN_TOKENS: 'accept' });
    expect((await listDetectors(cloud.tokens.reviewer)).status).toBe(200);
    proxy.mode = '5xx';
    try {
      const unknown = await listDetectors(cloud.tokens.reviewer2);
      expect(unknown).toEqual({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) as unknown });
      expect((await listDetectors(cloud.tokens.reviewer)).status).toBe(200);
    } finally {
      proxy.mode = 'pass';
    }
    await waitFor(
      async () => (await listDetectors(cloud.tokens.reviewer2)).status === 200,
      30_000,
      'the unknown token to be verified once the cloud answers',
    );
  });
});
