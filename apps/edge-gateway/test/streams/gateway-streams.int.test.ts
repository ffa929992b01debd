/**
 * Cameras wired into the gateway: a stream in edge-config.yaml is read from a real RTSP camera, each frame
 * becomes an edge image query through the same path as REST (inference, decision, local store), its status
 * shows in readiness and /metrics, and removing it from the config (PUT /edge-config) stops it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCloud, detector } from '../support/fake-cloud';
import { FakeInference } from '../support/fake-inference';
import { startGateway, waitFor, type Harness } from '../support/harness';
import { startRtspServer, type RtspTestServer } from './rtsp-test.server';
import { DET_A, ffmpegChildren } from './stream.support';

const TOKEN = 'edgeTOKEN_streams_abcdefgh';
const cloud = new FakeCloud();
const inference = new FakeInference();
let camera: RtspTestServer;
let h: Harness;

beforeAll(async () => {
  camera = await startRtspServer();
  cloud.validTokens.add(TOKEN);
  cloud.detectors.set(DET_A, detector(DET_A));
  await cloud.start();
  await inference.start();
  inference.setConfident(DET_A, 0, 0.97);
  h = await startGateway({
    cloudUrl: cloud.url,
    inferenceUrl: inference.url,
    token: TOKEN,
    configYaml: [
      'global_config: { refresh_rate: 60, confident_audit_rate: 0 }',
      'detectors:',
      `  - { detector_id: ${DET_A}, edge_inference_config: no_cloud }`,
      'streams:',
      `  dock: { url: "${camera.url('street')}", detector_ids: [${DET_A}], fps: 2 }`,
    ].join('\n'),
  });
}, 60_000);

afterAll(async () => {
  await h?.gateway.close();
  await cloud.stop();
  await inference.stop();
  await camera?.stop();
});

describe('camera streams in the gateway', () => {
  it('turns frames into edge image queries and reports the stream', async () => {
    const status = await waitFor(
      () => h.gateway.streams?.status().find((s) => s.name === 'dock' && s.framesSubmitted >= 3),
      45_000,
      'three submitted frames',
    );
    expect(status.state).toBe('streaming');
    // Each submitted frame reaches inference (nothing else asks it here); the last call may still be in flight.
    await waitFor(() => inference.calls >= 3, 15_000, 'three inference calls');
    expect(cloud.received.length).toBe(0); // no_cloud: frames never leave the edge

    const ready = (await (await fetch(`${h.url}/health/ready`)).json()) as { streams?: { name: string }[] };
    expect(ready.streams?.map((s) => s.name)).toEqual(['dock']);
    const metrics = await (await fetch(`${h.url}/metrics`, { headers: { 'x-api-token': TOKEN } })).text();
    expect(metrics).toMatch(/edge_stream_\w+\{[^}]*stream="dock"/);
  });

  it('stops the camera when the stream is removed from the config', async () => {
    const payload = {
      global_config: { refresh_rate: 60, confident_audit_rate: 0 },
      detectors: [{ detector_id: DET_A, edge_inference_config: 'no_cloud' }],
    };
    const res = await fetch(`${h.url}/edge-config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-api-token': TOKEN },
      body: JSON.stringify(payload),
    });
    expect(res.status).toBeLessThan(300);
    await waitFor(() => h.gateway.streams?.status().length === 0, 15_000, 'stream removed');
    await waitFor(() => ffmpegChildren().length === 0, 15_000, 'ffmpeg stopped');
  });
});
