/**
 * Memory stays flat while cameras stream for ~70 s: three streams at full rate, one of them with a sink slower
 * than the camera (so its ring drops frames all the time), one motion-gated. Heap + Buffer memory and RSS are
 * sampled after a forced GC; the later samples must not sit above the early ones beyond a small bound (keeping
 * the frames would add about 1 MB per second here).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRtspServer, type RtspTestServer } from './rtsp-test.server';
import { DET_A, DET_B, createHarness, ffmpegChildren, sleep, streamConfig, waitFor } from './stream.support';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const WARMUP_MS = Number(process.env['STREAM_SOAK_WARMUP_MS'] ?? 10_000);
const SOAK_MS = Number(process.env['STREAM_SOAK_MS'] ?? 60_000);
const SAMPLE_EVERY_MS = 5_000;
const MB = 1024 * 1024;

let camera: RtspTestServer;
beforeAll(async () => {
  camera = await startRtspServer();
});
afterAll(async () => {
  await camera.stop();
});

function sample() {
  gc();
  const m = process.memoryUsage();
  return { js: (m.heapUsed + m.arrayBuffers) / MB, rss: m.rss / MB };
}

it(
  'keeps memory flat over ~70 s of streaming, with a slow sink dropping frames',
  { timeout: 150_000 },
  async () => {
    const h = createHarness();
    const { manager, sink } = h;
    sink.keepFrames = false;
    sink.delays.set('slow', 300); // 10 fps in, ~3 fps out: the ring must drop, not queue
    await manager.apply({
      fast: streamConfig({ url: camera.url('street'), detector_ids: [DET_A, DET_B], fps: 10 }),
      slow: streamConfig({ url: camera.url('street'), detector_ids: [DET_A], fps: 10, transport: 'udp' }),
      gated: streamConfig({
        url: camera.url('still'),
        detector_ids: [DET_B],
        fps: 10,
        motion: { threshold: 0.02, max_interval_s: 1 },
      }),
    });
    await waitFor('all streams', () => ['fast', 'slow', 'gated'].every((s) => sink.count(s) > 0), 30_000);
    await sleep(WARMUP_MS);

    const samples: { js: number; rss: number }[] = [];
    let maxPending = 0;
    const end = Date.now() + SOAK_MS;
    while (Date.now() < end) {
      samples.push(sample());
      for (let t = 0; t < SAMPLE_EVERY_MS; t += 250) {
        for (const s of manager.status()) maxPending = Math.max(maxPending, s.pendingFrames);
        await sleep(250);
      }
    }
    samples.push(sample());

    const third = Math.floor(samples.length / 3);
    const early = samples.slice(0, third);
    const late = samples.slice(-third);
    // Floors, not medians: a frame in flight at the instant of a sample is a spike of a few tens of MB that
    // vanishes by the next one; a leak lifts every later sample, the lowest included.
    const jsGrowth = Math.min(...late.map((s) => s.js)) - Math.min(...early.map((s) => s.js));
    const rssGrowth = Math.min(...late.map((s) => s.rss)) - Math.min(...early.map((s) => s.rss));
    const fast = manager.get('fast')!;
    const slow = manager.get('slow')!;
    const gated = manager.get('gated')!;
    const summary = { jsGrowth, rssGrowth, samples, fast, slow, gated, maxPending };

    // The streams really ran the whole time.
    expect(fast.framesSubmitted, JSON.stringify(summary)).toBeGreaterThan(((10 * SOAK_MS) / 1000) * 0.7);
    expect(fast.reconnects).toBe(0);
    expect(slow.framesDropped).toBeGreaterThan(((10 * SOAK_MS) / 1000) * 0.4);
    for (const s of [fast, slow, gated]) {
      expect(s.framesSubmitted + s.framesDropped + s.framesSkippedMotion + s.pendingFrames).toBe(
        s.framesRead,
      );
    }
    expect(gated.framesSkippedMotion).toBeGreaterThan(gated.framesSubmitted * 3);
    expect(maxPending).toBeLessThanOrEqual(2);
    // Memory: flat within a small bound (frames are ~60 KB; holding them would grow by tens of MB).
    expect(jsGrowth, JSON.stringify(summary)).toBeLessThan(8);
    expect(rssGrowth, JSON.stringify(summary)).toBeLessThan(40);

    await manager.stop();
    expect(ffmpegChildren()).toEqual([]);
  },
);
