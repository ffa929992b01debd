/**
 * Queues that cannot be poisoned, against the real cloud: an escalation the cloud keeps failing on (500 for
 * that id, through the front in hardening-cloud-proxy.ts) is set aside after OUTBOX_MAX_ATTEMPTS while the
 * detector's next escalation is delivered; a 409 (the id taken by another submitter) is a CONFLICT dead letter,
 * never counted delivered; the dead-letter list is ADMIN-only in the edge's GraphQL, with retry and discard.
 */
import { newId } from '@intellioptics/schema';
import { api, startCloudForTests, type TestCloud } from '@intellioptics/cloud-graph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpCloudClient } from '../src/cloud-client/cloud.client';
import { deadLetterReport } from '../src/models/dead-letter-report';
import { CloudProxy } from './hardening-cloud-proxy';
import { startGateway, waitFor, type Harness } from './support/harness';
import { png } from './support/images';

let cloud: TestCloud;
let proxy: CloudProxy;
let edge: Harness;
let detectorId = '';
let otherAdmin = '';
const image = png(32, 32);

async function submitAsync(iqId: string) {
  const q = new URLSearchParams({ detector_id: detectorId, want_async: 'true', image_query_id: iqId });
  const res = await fetch(`${edge.url}/device-api/v1/image-queries?${q.toString()}`, {
    method: 'POST',
    headers: { 'content-type': 'image/png', 'x-api-token': cloud.tokens.admin },
    body: new Uint8Array(image),
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

interface DeadLetterRow {
  id: string;
  detectorId: string;
  cause: string;
  lastError: string | null;
  attempts: number;
}
interface GraphqlAnswer {
  data?: {
    deadLetters?: { total: number; items: DeadLetterRow[] } | null;
    retryDeadLetter?: unknown;
    discardDeadLetter?: unknown;
  } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function edgeGraphql(
  query: string,
  token: string,
  variables: Record<string, unknown> = {},
): Promise<GraphqlAnswer> {
  const res = await fetch(`${edge.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-token': token },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphqlAnswer;
}

const LIST = `{ deadLetters { total items { id detectorId cause lastError attempts } } }`;

async function inCloud(iqId: string): Promise<boolean> {
  const r = await api(cloud.url)(`/device-api/v1/image-queries/${iqId}`, { token: cloud.tokens.admin });
  return r.status === 200;
}

async function deadGauge(): Promise<number> {
  const text = await (
    await fetch(`${edge.url}/metrics`, { headers: { 'x-api-token': cloud.tokens.admin } })
  ).text();
  return Number(/^edge_outbox_dead_letters (\d+)/m.exec(text)?.[1] ?? NaN);
}

beforeAll(async () => {
  cloud = await startCloudForTests();
  proxy = new CloudProxy(cloud.url);
  await proxy.start();
  const det = await api(cloud.url)('/v1/detectors', {
    method: 'POST',
    token: cloud.tokens.admin,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'dead-letter-test', query: 'Is there a part?' }),
  });
  expect(det.status).toBeLessThan(300);
  detectorId = (det.json as { id: string }).id;
  const admin2 = await cloud.services.users.create({
    username: 'admin2',
    email: 'admin2@example.com',
    role: 'ADMIN',
  });
  otherAdmin = (await cloud.services.users.createToken(admin2.id, 'other submitter')).token;
  edge = await startGateway({
    cloudUrl: proxy.url,
    inferenceUrl: 'http://127.0.0.1:9',
    token: cloud.tokens.admin,
    env: { OUTBOX_MAX_ATTEMPTS: '2', OUTBOX_BACKOFF_MAX_S: '0.1' },
    configYaml: 'global_config: { refresh_rate: 60, confident_audit_rate: 0 }\n',
  });
}, 120_000);

afterAll(async () => {
  await edge?.gateway.close();
  await proxy?.close();
  await cloud?.close();
}, 60_000);

describe('dead letters', () => {
  const poison = newId('imageQuery');
  const next = newId('imageQuery');
  const taken = newId('imageQuery');

  it('sets a poison escalation aside after the attempt cap; the detector’s next one is delivered', async () => {
    proxy.fail500.add(poison);
    await submitAsync(poison);
    await submitAsync(next);
    await waitFor(() => inCloud(next), 30_000, 'the next escalation to be delivered');
    const list = await waitFor(
      async () => {
        const r = await edgeGraphql(LIST, cloud.tokens.admin);
        return r.data?.deadLetters?.total === 1 ? r.data.deadLetters : null;
      },
      30_000,
      'the poison item to become a dead letter',
    );
    expect(list.items).toEqual([
      {
        id: poison,
        detectorId,
        cause: 'MAX_ATTEMPTS',
        lastError: expect.stringContaining('500') as unknown,
        attempts: 2,
      },
    ]);
    expect(await inCloud(poison)).toBe(false);
  });

  it('a 409 (the id is another submitter’s) is a CONFLICT dead letter, never delivered', async () => {
    const direct = await api(cloud.url)(
      `/device-api/v1/image-queries?detector_id=${detectorId}&want_async=true&image_query_id=${taken}`,
      { method: 'POST', token: otherAdmin, headers: { 'content-type': 'image/png' }, body: image },
    );
    expect(direct.status).toBeLessThan(300);
    await submitAsync(taken);
    const conflict = await waitFor(
      async () => {
        const r = await edgeGraphql(LIST, cloud.tokens.admin);
        return (r.data?.deadLetters?.items ?? []).find((d) => d.id === taken);
      },
      30_000,
      'the conflict dead letter',
    );
    expect(conflict).toMatchObject({ cause: 'CONFLICT', attempts: 1 });
    expect(await deadGauge()).toBe(2);
    const delivered = await (
      await fetch(`${edge.url}/metrics`, { headers: { 'x-api-token': cloud.tokens.admin } })
    ).text();
    expect(delivered).toMatch(/^edge_outbox_delivered_total\{kind="escalation"\} 1$/m);
  });

  it('reaches the cloud in the heartbeat: Hub.deadLetters lists them (count, id, detector, cause, since)', async () => {
    const report = await deadLetterReport(edge.gateway.store.outbox);
    expect(report.count).toBe(await deadGauge());
    const client = new HttpCloudClient(cloud.url, cloud.tokens.admin, 3000);
    expect(
      await client.hubHeartbeat({ servedDetectors: [], counters: {}, deadLetters: report }, cloud.tokens.hub),
    ).toBe(true);
    const res = await api(cloud.url)('/graphql', {
      method: 'POST',
      token: cloud.tokens.admin,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          'query($id: ID!) { hub(id: $id) { deadLetters { count items { id detectorId cause since } } } }',
        variables: { id: cloud.hubId },
      }),
    });
    const hub = (res.json as { data: { hub: { deadLetters: { count: number; items: DeadLetterRow[] } } } })
      .data.hub;
    expect(hub.deadLetters.count).toBe(report.count);
    expect(hub.deadLetters.items.map((d) => [d.id, d.detectorId, d.cause])).toEqual(
      report.items.map((d) => [d.id, d.detectorId, d.cause]),
    );
    expect(new Set(hub.deadLetters.items.map((d) => d.cause))).toEqual(new Set(['MAX_ATTEMPTS', 'CONFLICT']));
  });

  it('is ADMIN only', async () => {
    const asReviewer = await edgeGraphql(LIST, cloud.tokens.reviewer);
    expect(asReviewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(asReviewer.data?.deadLetters ?? null).toBeNull();
    const retry = await edgeGraphql(
      `mutation($id: ID!) { retryDeadLetter(id: $id) { ok } }`,
      cloud.tokens.reviewer,
      {
        id: poison,
      },
    );
    expect(retry.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await deadGauge()).toBe(2);
  });

  it('retries one (delivered once the cloud takes it) and discards the other', async () => {
    proxy.fail500.delete(poison);
    const retried = await edgeGraphql(
      `mutation($id: ID!) { retryDeadLetter(id: $id) { ok id error { code } } }`,
      cloud.tokens.admin,
      { id: poison },
    );
    expect(retried.data?.retryDeadLetter).toEqual({ ok: true, id: poison, error: null });
    await waitFor(() => inCloud(poison), 30_000, 'the retried escalation to be delivered');

    const discard = `mutation($id: ID!) { discardDeadLetter(id: $id) { ok error { code } } }`;
    expect((await edgeGraphql(discard, cloud.tokens.admin, { id: taken })).data?.discardDeadLetter).toEqual({
      ok: true,
      error: null,
    });
    expect((await edgeGraphql(discard, cloud.tokens.admin, { id: taken })).data?.discardDeadLetter).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect((await edgeGraphql(LIST, cloud.tokens.admin)).data?.deadLetters).toEqual({ total: 0, items: [] });
    expect(await deadGauge()).toBe(0);
  });
});
