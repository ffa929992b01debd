/**
 * PostgreSQL stopped and restarted under traffic (a private cluster, never the shared server): the cloud stays
 * up, answers writes and reads 503 DATABASE_UNAVAILABLE with Retry-After and a detail (never a 500) while the
 * database is away, reports not-ready, and serves again once it is back; nothing it acknowledged is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudForTests, type TestCloud } from '../support/test-cloud';
import { tinyJpeg } from '../support/images';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres';

let pg: ThrowawayPostgres;
let t: TestCloud;
let detectorId: string;

beforeAll(async () => {
  pg = await startThrowawayPostgres();
  t = await startCloudForTests({
    db: { url: pg.url, name: 'postgres', drop: async () => undefined },
    ownsDb: false,
  });
  detectorId = (await t.services.detectors.create({ name: 'pg-outage', query: 'Is it there?' })).id;
}, 120_000);

afterAll(async () => {
  if (pg && !pg.running) pg.start(); // close() flushes nothing, but keep the pool's goodbye clean
  await t?.close();
  pg?.destroy();
}, 60_000);

type Phase = 'up' | 'down' | 'back';
interface Seen {
  phase: Phase;
  /** the request started after the stop completed (and before the restart began) */
  wholly: boolean;
  status: number;
  retryAfter: string | null;
  detail: unknown;
  id?: string;
}

describe('PostgreSQL outage under traffic', () => {
  it('answers 503 with Retry-After while the database is away, and recovers', async () => {
    let phase: Phase = 'up';
    let stop = false;
    const seen: Seen[] = [];
    const count = (p: Phase, f: (s: Seen) => boolean = () => true) =>
      seen.filter((s) => s.phase === p && f(s)).length;
    const submit = async () => {
      const startedIn = phase;
      const res = await fetch(`${t.url}/v1/image-queries?detector_id=${detectorId}`, {
        method: 'POST',
        headers: { 'x-api-token': t.tokens.hub, 'content-type': 'image/jpeg' },
        body: new Uint8Array(tinyJpeg()),
      });
      const body = (await res.json()) as { id?: string; detail?: unknown };
      seen.push({
        phase: startedIn,
        wholly: startedIn === 'down' && phase === 'down',
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        detail: body.detail,
        ...(res.status === 201 && body.id ? { id: body.id } : {}),
      });
    };
    const loops = Array.from({ length: 4 }, async () => {
      while (!stop) await submit();
    });
    const until = async (what: string, ok: () => boolean) => {
      for (const end = Date.now() + 60_000; !ok();) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    await until('20 writes with the database up', () => count('up', (s) => s.status === 201) >= 20);
    pg.stop();
    phase = 'down';
    await until('20 answers with the database away', () => count('down', (s) => s.wholly) >= 20);
    const live = await fetch(`${t.url}/health/live`);
    const ready = await fetch(`${t.url}/health/ready`);
    const read = await fetch(`${t.url}/v1/detectors`, { headers: { 'x-api-token': t.tokens.admin } });
    const graphql = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'x-api-token': t.tokens.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ detectors { id } }' }),
    });
    const graphqlBody = (await graphql.json()) as { errors?: { extensions?: { code?: string } }[] };

    phase = 'back';
    pg.start();
    await until('20 writes after the restart', () => count('back', (s) => s.status === 201) >= 20);
    stop = true;
    await Promise.all(loops);

    // The process stayed up and said it was not ready; reads and GraphQL are 503 too.
    expect(live.status).toBe(200);
    expect(ready.status).toBe(503);
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(graphql.status).toBe(503);
    expect(graphqlBody.errors?.[0]?.extensions?.code).toBe('DATABASE_UNAVAILABLE');
    // No request, in any phase, was answered 500; during the outage every write is a 503 the client may retry.
    expect(seen.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([]);
    const during = seen.filter((s) => s.wholly);
    expect(during.length).toBeGreaterThanOrEqual(20);
    for (const s of during) {
      expect(s.status).toBe(503);
      expect(Number(s.retryAfter)).toBeGreaterThan(0);
      expect(typeof s.detail).toBe('string');
    }
    // Every write the cloud acknowledged (201) is there after the outage.
    const acknowledged = seen.flatMap((s) => (s.id ? [s.id] : []));
    for (const id of acknowledged) {
      const res = await fetch(`${t.url}/v1/image-queries/${id}`, {
        headers: { 'x-api-token': t.tokens.admin },
      });
      expect(res.status, id).toBe(200);
    }
  }, 180_000);
});
