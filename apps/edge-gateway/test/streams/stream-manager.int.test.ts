/**
 * The stream manager against real ffmpeg and a real RTSP camera on loopback (GStreamer, rtsp-server.py).
 * Rates are checked as counts within a band over a window, never as the timing of one call.
 */
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeGrey, meanAbsDiff, stdDev } from './recording.sink';
import { FIXTURES_DIR, startRtspServer, type RtspTestServer } from './rtsp-test.server';
import {
  DET_A,
  DET_B,
  closedPort,
  createHarness,
  ffmpegChildren,
  sleep,
  streamConfig,
  waitFor,
  type Harness,
} from './stream.support';

let camera: RtspTestServer;
let h: Harness | undefined;

beforeAll(async () => {
  camera = await startRtspServer();
});
afterAll(async () => {
  await camera.stop();
});
afterEach(async () => {
  await h?.manager.stop();
  h = undefined;
  expect(ffmpegChildren()).toEqual([]);
});

describe('StreamManager with a real RTSP camera', () => {
  it('submits JPEG frames at the configured rate, to every detector of the camera, over TCP and UDP', async () => {
    h = createHarness();
    const { manager, sink, registry } = h;
    await manager.apply({
      cam_tcp: streamConfig({
        url: camera.url('street'),
        detector_ids: [DET_A, DET_B],
        fps: 4,
        resize: { width: 320, height: 240 },
      }),
      cam_udp: streamConfig({
        url: camera.url('street'),
        detector_ids: [DET_B],
        interval_s: 0.5,
        transport: 'udp',
        crop: { x: 0, y: 0, width: 0.5, height: 0.5 },
      }),
    });
    await waitFor('both streams streaming', () => sink.count('cam_tcp') > 0 && sink.count('cam_udp') > 0);
    const start = { tcp: sink.count('cam_tcp'), udp: sink.count('cam_udp'), at: Date.now() };
    await sleep(5000);
    const seconds = (Date.now() - start.at) / 1000;
    const tcpRate = (sink.count('cam_tcp') - start.tcp) / seconds;
    const udpRate = (sink.count('cam_udp') - start.udp) / seconds;
    expect(tcpRate).toBeGreaterThan(4 * 0.7);
    expect(tcpRate).toBeLessThan(4 * 1.3);
    expect(udpRate).toBeGreaterThan(2 * 0.6);
    expect(udpRate).toBeLessThan(2 * 1.4);

    for (const f of sink.of('cam_tcp')) {
      expect(f.detectorIds).toEqual([DET_A, DET_B]);
      expect([f.width, f.height]).toEqual([320, 240]);
    }
    // The crop is half the 768×576 frame, not resized.
    for (const f of sink.of('cam_udp')) {
      expect(f.detectorIds).toEqual([DET_B]);
      expect([f.width, f.height]).toEqual([384, 288]);
    }
    const pixels = await decodeGrey(sink.lastImage.get('cam_tcp')!);
    expect(pixels.length).toBe(320 * 240);
    expect(stdDev(pixels)).toBeGreaterThan(20); // a street scene, not a blank or grey frame

    const status = manager.get('cam_tcp')!;
    expect(status).toMatchObject({ state: 'streaming', lastError: null, reconnects: 0, transport: 'tcp' });
    expect(status.framesSubmitted).toBe(sink.count('cam_tcp'));
    expect(status.framesRead).toBe(status.framesSubmitted + status.framesDropped + status.pendingFrames);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(
      new RegExp(`edge_stream_frames_submitted_total\\{stream="cam_tcp"\\} ${status.framesSubmitted}\\b`),
    );
    expect(metrics).toContain('edge_stream_state{stream="cam_udp",state="streaming"} 1');
  });

  it('sends the configured crop of the camera image (compared with the source frame)', async () => {
    h = createHarness();
    const crop = { x: 0.5, y: 0.25, width: 0.5, height: 0.5 };
    await h.manager.apply({
      still: streamConfig({
        url: camera.url('still'),
        detector_ids: [DET_A],
        fps: 2,
        crop,
        resize: { width: 192, height: 144 },
      }),
    });
    await waitFor('a frame', () => h!.sink.count('still') >= 2);
    const received = await decodeGrey(h.sink.lastImage.get('still')!);
    const source = resolve(FIXTURES_DIR, 'street_001.jpg');
    const expected = await decodeGrey(source, 'crop=384:288:384:144,scale=192:144');
    const wrongRegion = await decodeGrey(source, 'crop=384:288:0:0,scale=192:144');
    // H.264 on the way loses a little; the wrong region differs a lot more.
    const diff = meanAbsDiff(received, expected);
    expect(diff).toBeLessThan(8);
    expect(meanAbsDiff(received, wrongRegion)).toBeGreaterThan(diff * 3);
  });

  it('gates on motion: a still scene is submitted only every max_interval_s, the moving street far more', async () => {
    h = createHarness();
    const motion = { threshold: 0.01, max_interval_s: 2 };
    await h.manager.apply({
      still: streamConfig({ url: camera.url('still'), detector_ids: [DET_A], fps: 5, motion }),
      street: streamConfig({ url: camera.url('street'), detector_ids: [DET_A], fps: 5, motion }),
    });
    const { manager, sink } = h;
    await waitFor('both streams', () => sink.count('still') > 0 && sink.count('street') > 0);
    const before = { still: manager.get('still')!, street: manager.get('street')! };
    await sleep(6000);
    const still = manager.get('still')!;
    const street = manager.get('street')!;
    const stillSubmitted = still.framesSubmitted - before.still.framesSubmitted;
    const stillRead = still.framesRead - before.still.framesRead;
    const streetSubmitted = street.framesSubmitted - before.street.framesSubmitted;
    const streetRead = street.framesRead - before.street.framesRead;
    // 6 s at 5 fps ≈ 30 frames read; a still scene passes once per 2 s ≈ 3.
    expect(stillRead).toBeGreaterThan(20);
    expect(stillSubmitted).toBeGreaterThanOrEqual(2);
    expect(stillSubmitted).toBeLessThanOrEqual(5);
    expect(still.framesSkippedMotion - before.still.framesSkippedMotion).toBe(stillRead - stillSubmitted);
    expect(still.lastMotionScore).toBeLessThanOrEqual(0.01);
    expect(streetRead).toBeGreaterThan(20);
    expect(streetSubmitted).toBeGreaterThan(stillSubmitted * 3);
    expect(sink.count('still')).toBe(still.framesSubmitted);
  });

  it('a wrong URL, a missing credential or a missing ffmpeg gives a clear state and log, never a crash or a leak', async () => {
    const secret = 'Sup3r-s3cret@pass';
    h = createHarness({ env: { CAM_USER: 'operator', CAM_PASS: secret } });
    const port = await closedPort();
    await h.manager.apply({
      refused: streamConfig({
        url: `rtsp://\${CAM_USER}:\${CAM_PASS}@127.0.0.1:${port}/live`,
        detector_ids: [DET_A],
        fps: 1,
      }),
      not_found: streamConfig({
        url: `rtsp://\${CAM_USER}:\${CAM_PASS}@127.0.0.1:${camera.port}/no-such-camera`,
        detector_ids: [DET_A],
        fps: 1,
      }),
      no_env: streamConfig({
        url: 'rtsp://${CAM_USER}:${CAM_TOKEN}@127.0.0.1:554/live',
        detector_ids: [DET_A],
        fps: 1,
      }),
    });
    const { manager } = h;
    await waitFor('retries of the refused camera', () => (manager.get('refused')?.reconnects ?? 0) >= 2);
    await waitFor('the 404 camera to back off', () => manager.get('not_found')?.state === 'backoff');

    const refused = manager.get('refused')!;
    expect(['backoff', 'connecting']).toContain(refused.state);
    expect(refused.lastError).toMatch(/Connection refused/);
    expect(refused.url).toBe(`rtsp://***@127.0.0.1:${port}/live`);
    expect(manager.get('not_found')!.lastError).toMatch(/404 Not Found/);
    expect(manager.get('no_env')).toMatchObject({
      state: 'error',
      lastError: 'environment variable(s) not set: CAM_TOKEN',
      reconnects: 0,
    });
    const warnings = h.logs.filter((l) => l['msg'] === 'cannot read camera stream; retrying');
    expect(warnings.map((l) => l['stream'])).toEqual(expect.arrayContaining(['refused', 'not_found']));
    expect(h.logs.some((l) => l['stream'] === 'no_env' && l['level'] === 50)).toBe(true);

    // ffmpeg quotes the URL it was given; neither the password nor the user may reach a log or a status.
    const everything = h.logText() + JSON.stringify(manager.status()) + (await h.registry.metrics());
    for (const leak of [secret, encodeURIComponent(secret), 'operator'])
      expect(everything).not.toContain(leak);

    // No ffmpeg at all: an error state that says what to install, not a crash or a retry loop.
    const noFfmpeg = createHarness({ options: { ffmpegPath: '/nonexistent/ffmpeg' } });
    await noFfmpeg.manager.apply({
      cam: streamConfig({ url: camera.url('street'), detector_ids: [DET_A], fps: 1 }),
    });
    await waitFor('the error state', () => noFfmpeg.manager.get('cam')?.state === 'error');
    expect(noFfmpeg.manager.get('cam')!.lastError).toMatch(/ffmpeg not found/);
    await noFfmpeg.manager.stop();
  });

  it('reconnects when the camera goes away and comes back, and frames flow again', async () => {
    const own = await startRtspServer();
    let server: RtspTestServer | undefined = own;
    try {
      h = createHarness();
      const { manager, sink } = h;
      await manager.apply({
        cam: streamConfig({ url: own.url('street'), detector_ids: [DET_A], fps: 5 }),
      });
      await waitFor('frames', () => sink.count('cam') >= 3);
      await own.stop();
      server = undefined;
      await waitFor('the drop to be noticed', () => manager.get('cam')!.state === 'backoff');
      expect(h.logs.some((l) => l['msg'] === 'camera stream dropped; reconnecting')).toBe(true);
      await sleep(1500); // a few failed attempts while the camera is away
      const whileDown = sink.count('cam');
      expect(manager.get('cam')!.reconnects).toBeGreaterThanOrEqual(1);

      server = await startRtspServer({ port: own.port });
      await waitFor('frames again', () => sink.count('cam') >= whileDown + 5, 30_000);
      const status = manager.get('cam')!;
      expect(status.state).toBe('streaming');
      expect(status.reconnects).toBeGreaterThanOrEqual(1);
      expect(await h.registry.metrics()).toMatch(/edge_stream_reconnects_total\{stream="cam"\} [1-9]/);
    } finally {
      await server?.stop();
    }
  });

  it('restarts a camera that hangs with its connection open, and resumes when it answers again', async () => {
    const own = await startRtspServer();
    try {
      h = createHarness({ options: { stallTimeoutMs: 2000, startupTimeoutMs: 4000 } });
      const { manager, sink } = h;
      await manager.apply({
        cam: streamConfig({ url: own.url('street'), detector_ids: [DET_A], fps: 5 }),
      });
      await waitFor('frames', () => sink.count('cam') >= 3);
      own.pause();
      await waitFor('the stall to be noticed', () => manager.get('cam')!.state === 'backoff', 10_000);
      expect(manager.get('cam')!.lastError).toBe('no frame for 2 s (camera stalled)');
      own.resume();
      const before = sink.count('cam');
      await waitFor('frames again', () => sink.count('cam') >= before + 5, 30_000);
      expect(manager.get('cam')).toMatchObject({ state: 'streaming' });
      expect(manager.get('cam')!.reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await own.stop();
    }
  });

  it('applies config changes: adds, removes, restarts changed streams and retargets detectors in place', async () => {
    h = createHarness();
    const { manager, sink, registry } = h;
    const a = streamConfig({ url: camera.url('street'), detector_ids: [DET_A], fps: 2 });
    const b = streamConfig({ url: camera.url('still'), detector_ids: [DET_A], fps: 2 });
    await manager.apply({ a, b });
    await waitFor('a and b', () => sink.count('a') > 0 && sink.count('b') > 0);
    expect(ffmpegChildren()).toHaveLength(2);

    // b removed, c added, a only changes its detectors: a keeps its ffmpeg (no reconnect, no new process).
    const aPid = ffmpegChildren();
    await manager.apply({
      a: { ...a, detector_ids: [DET_A, DET_B] },
      c: streamConfig({ url: camera.url('still'), detector_ids: [DET_B], fps: 2 }),
    });
    expect(manager.status().map((s) => s.name)).toEqual(['a', 'c']);
    expect(manager.get('b')).toBeUndefined();
    expect(await registry.metrics()).not.toContain('stream="b"');
    const aCount = sink.count('a');
    await waitFor('c and new a frames', () => sink.count('c') > 0 && sink.count('a') > aCount);
    expect(sink.of('a').at(-1)!.detectorIds).toEqual([DET_A, DET_B]);
    expect(manager.get('a')!.reconnects).toBe(0);
    const children = ffmpegChildren();
    expect(children).toHaveLength(2);
    expect(children.filter((pid) => aPid.includes(pid))).toHaveLength(1);

    // A rate change needs a new ffmpeg: a restarts, keeps its counters, and runs at the new rate.
    const submittedBefore = manager.get('a')!.framesSubmitted;
    await manager.apply({
      a: { ...a, detector_ids: [DET_A, DET_B], fps: 5, resize: { width: 160, height: 120 } },
      c: streamConfig({ url: camera.url('still'), detector_ids: [DET_B], fps: 2 }),
    });
    await waitFor('resized frames of a', () => sink.of('a').at(-1)?.width === 160);
    expect(manager.get('a')!.framesSubmitted).toBeGreaterThan(submittedBefore);
    expect(ffmpegChildren()).toHaveLength(2);

    await manager.apply({});
    expect(manager.status()).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
  });
});
