/**
 * The dead letters an edge reports in its heartbeat, on `Hub.deadLetters` (count and the newest few) for the
 * review UI's admin view: stored as reported, kept while an edge reports none, validated (a typed BAD_REQUEST,
 * nothing stored), and a hub sees only its own. Real server, real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startCloudForTests, type TestCloud } from './support/test-cloud';

let t: TestCloud;
const DET = 'det_' + 'D'.repeat(27);
const item = (id: string, cause = 'MAX_ATTEMPTS') => ({
  id,
  detectorId: DET,
  cause,
  since: '2026-12-02T20:00:00.000Z',
});

const HEARTBEAT =
  'mutation($input: HubHeartbeatInput!) { hubHeartbeat(input: $input) { ok error { code message } } }';
const DEAD = 'query($id: ID!) { hub(id: $id) { deadLetters { count items { id detectorId cause since } } } }';

const beat = (deadLetters: unknown, token = t.tokens.hub) =>
  gql(t.url)(
    HEARTBEAT,
    { input: { servedDetectors: [], counters: {}, ...(deadLetters === undefined ? {} : { deadLetters }) } },
    token,
  );
const read = async (token = t.tokens.admin) =>
  (await gql(t.url)(DEAD, { id: t.hubId }, token)).body.data.hub as {
    deadLetters: { count: number; items: ReturnType<typeof item>[] };
  } | null;

beforeAll(async () => {
  t = await startCloudForTests();
});
afterAll(async () => {
  await t?.close();
});

describe('Hub.deadLetters', () => {
  it('shows what the last heartbeat reported, and keeps it while heartbeats report none', async () => {
    const ok = await beat({ count: 3, items: [item('iq_b'), item('iq_a', 'CONFLICT')] });
    expect(ok.body.data.hubHeartbeat).toEqual({ ok: true, error: null });
    const expected = { count: 3, items: [item('iq_b'), item('iq_a', 'CONFLICT')] };
    expect((await read())?.deadLetters).toEqual(expected);
    expect((await read(t.tokens.reviewer))?.deadLetters).toEqual(expected);
    expect((await read(t.tokens.hub))?.deadLetters).toEqual(expected);
    await beat(undefined);
    expect((await read())?.deadLetters).toEqual(expected);
    await beat({ count: 0, items: [] });
    expect((await read())?.deadLetters).toEqual({ count: 0, items: [] });
  });

  it.each([
    ['a negative count', { count: -1, items: [] }, 'deadLetters.count'],
    ['more items than the count', { count: 1, items: [item('iq_a'), item('iq_b')] }, 'more than'],
    [
      'over 20 items',
      { count: 30, items: Array.from({ length: 21 }, (_, i) => item(`iq_${i}`)) },
      'at most 20',
    ],
    ['a bad cause', { count: 1, items: [item('iq_a', 'no such cause!')] }, 'cause'],
    ['an id that is not one', { count: 1, items: [{ ...item('iq_a'), id: 'iq a/../b' }] }, 'items[0].id'],
  ])('refuses %s with BAD_REQUEST and stores nothing', async (_name, report, message) => {
    await beat({ count: 1, items: [item('iq_kept')] });
    const res = await beat(report);
    expect(res.body.data.hubHeartbeat.ok).toBe(false);
    expect(res.body.data.hubHeartbeat.error.code).toBe('BAD_REQUEST');
    expect(res.body.data.hubHeartbeat.error.message).toContain(message);
    expect((await read())?.deadLetters).toEqual({ count: 1, items: [item('iq_kept')] });
  });

  it("another hub cannot read this hub's list", async () => {
    const other = await t.services.hubs.register('dead-letter-other');
    expect(await read(other.token)).toBeNull();
  });
});
