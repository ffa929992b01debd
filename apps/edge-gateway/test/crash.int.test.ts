/**
 * `kill -9` of the gateway process (the real entry point, spawned as a child) loses no accepted image query
 * and no escalation: every 200 answer is readable after a restart, and every queued escalation reaches the
 * cloud exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageQuerySchema, newId } from '@intellioptics/schema';
import { spawnGateway, freePort, type ChildGateway } from './support/child';
import { FakeCloud, detector } from './support/fake-cloud';
import { FakeInference } from './support/fake-inference';
import { png } from './support/images';
import { waitFor } from './support/harness';

const TOKEN = 'edgeTOKEN_crash_abcdefghij';
const DET = newId('detector');
const cloud = new FakeCloud();
const inference = new FakeInference();
const ioHome = mkdtempSync(join(tmpdir(), 'edge-crash-'));
let gw: ChildGateway | null = null;

beforeAll(async () => {
  cloud.validTokens.add(TOKEN);
  cloud.detectors.set(DET, detector(DET));
  await cloud.start();
  await inference.start();
  inference.setConfident(DET, 0, 0.99);
});

afterAll(async () => {
  gw?.child.kill('SIGKILL');
  await cloud.stop();
  await inference.stop();
});

describe('kill -9', () => {
  it('loses no accepted image query and no queued escalation', async () => {
    const port = await freePort();
    const env = {
      IO_HOME: ioHome,
      CLOUD_URL: cloud.url,
      INFERENCE_URL: inference.url,
      EDGE_API_TOKEN: TOKEN,
      OUTBOX_BACKOFF_MAX_S: '0.5',
      OUTBOX_IDLE_POLL_MS: '100',
      MODEL_UPDATES: '0',
    };
    gw = await spawnGateway(port, env);
    cloud.failWith = 503; // escalations must queue
    const image = png(16, 16);
    const accepted: { id: string; async: boolean }[] = [];
    let stop = false;
    const worker = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const async = (i + n) % 2 === 0;
        const q = new URLSearchParams({ detector_id: DET, ...(async ? { want_async: 'True' } : {}) });
        try {
          const res = await fetch(`${gw!.url}/device-api/v1/image-queries?${q.toString()}`, {
            method: 'POST',
            headers: { 'x-api-token': TOKEN, 'content-type': 'image/jpeg' },
            body: new Uint8Array(image),
          });
          if (res.status === 200) accepted.push({ id: ImageQuerySchema.parse(await res.json()).id, async });
        } catch {
          return; // the process died mid-request: that request was never answered
        }
      }
    };
    const loops = Array.from({ length: 8 }, (_, n) => worker(n));
    await waitFor(() => accepted.length >= 150, 20_000, '150 accepted queries');
    gw.child.kill('SIGKILL');
    stop = true;
    await Promise.all(loops);
    const countAtKill = accepted.length;
    expect(countAtKill).toBeGreaterThanOrEqual(150);

    cloud.failWith = null;
    const phase2 = cloud.received.length;
    gw = await spawnGateway(port, env);
    for (const { id } of accepted) {
      const res = await fetch(`${gw.url}/device-api/v1/image-queries/${id}`, {
        headers: { 'x-api-token': TOKEN },
      });
      expect(res.status, `GET ${id} after kill -9`).toBe(200);
    }
    const asyncIds = accepted.filter((a) => a.async).map((a) => a.id);
    await waitFor(() => asyncIds.every((id) => cloud.iqs.has(id)), 30_000, 'every queued escalation');
    // After the restart each queued escalation is sent exactly once (delivered items are never re-sent).
    await new Promise((r) => setTimeout(r, 500));
    const sentAfter = cloud.received.slice(phase2).map((r) => r.params.image_query_id);
    for (const id of asyncIds)
      expect(
        sentAfter.filter((s) => s === id),
        id,
      ).toHaveLength(1);
    // Nothing is sent twice. Requests in flight at the kill (at most one per client loop) may have been stored
    // and queued without their answer reaching the client: they are delivered too, once each.
    expect(sentAfter.every((id) => id !== undefined)).toBe(true); // every escalation carries the edge's id
    expect(new Set(sentAfter).size).toBe(sentAfter.length);
    const acceptedIds = new Set(accepted.map((a) => a.id));
    const inFlight = sentAfter.filter((id) => id === undefined || !acceptedIds.has(id));
    expect(inFlight.length).toBeLessThanOrEqual(8);
    expect(sentAfter.length - inFlight.length).toBe(asyncIds.length);
  }, 90_000);
});
