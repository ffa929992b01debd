/**
 * The real server (buildServer on port 0) with real starter models trained on fixture textures: answers,
 * several detectors in one backbone pass, OODD, bad input → 4xx, health and metrics.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VisionEngine } from '@intellioptics/vision';
import { parseEnv } from '../src/config/env';
import type { InferenceServer } from '../src/server';
import { buildServer } from '../src/server';
import { fixture, installAs, memoryLogger, tmpRoot, trainPackages } from './helpers';

interface Answer {
  detector_id: string;
  label: { index: number; name: string };
  probabilities: Record<string, number>;
  confidence: number;
  in_domain_probability: number | null;
  adjusted_confidence: number;
  model_versions: {
    primary: { version: number; model_id: string };
    oodd: { version: number; model_id: string } | null;
  };
  timings_ms: { decode: number; backbone: number; heads: number; total: number };
}

let root: string;
let server: InferenceServer;
let api: string;
let health: string;

beforeAll(async () => {
  root = await tmpRoot();
  const engine = await VisionEngine.create();
  const modelsDir = path.join(root, 'home', 'models');
  const brick = await trainPackages(engine, root, 'brick', { YES: ['brick'], NO: ['grass', 'gravel'] });
  const texture = await trainPackages(engine, root, 'texture', {
    brick: ['brick'],
    grass: ['grass'],
    gravel: ['gravel'],
  });
  await installAs(brick, modelsDir, 'det_brick', 1);
  await installAs(texture, modelsDir, 'det_texture', 1);
  await installAs(brick, modelsDir, 'det_nooodd', 1, ['primary']);
  const config = parseEnv({
    IO_HOME: path.join(root, 'home'),
    INFERENCE_HOST: '127.0.0.1',
    INFERENCE_PORT: '0',
    INFERENCE_HEALTH_PORT: '0',
    INFERENCE_MAX_BODY_BYTES: String(2 * 1024 * 1024),
    INFERENCE_MAX_INPUT_PIXELS: '1000000',
    INFERENCE_MODEL_POLL_MS: '60000',
  });
  server = buildServer({ config, logger: memoryLogger().logger, createEngine: async () => engine });
  const ports = await server.listen();
  api = `http://127.0.0.1:${ports.apiPort}`;
  health = `http://127.0.0.1:${ports.healthPort}`;
  await server.ready;
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

const post = (query: string, body: Uint8Array | string): Promise<Response> =>
  fetch(`${api}/infer?${query}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/octet-stream' },
  });

describe('POST /infer', () => {
  it('answers held-out tiles correctly with versions, OODD and timings', async () => {
    for (const [file, expected] of [
      ['textures/brick/09.jpg', 'YES'],
      ['textures/brick/11.png', 'YES'],
      ['textures/grass/10.webp', 'NO'],
      ['textures/gravel/08.jpg', 'NO'],
    ] as const) {
      const res = await post('detector_id=det_brick', await fixture(file));
      expect(res.status, file).toBe(200);
      const a = (await res.json()) as Answer;
      expect(a.label.name, file).toBe(expected);
      expect(a.label.index).toBe(expected === 'YES' ? 0 : 1);
      expect(a.confidence).toBeGreaterThan(0.9);
      expect(a.probabilities.YES! + a.probabilities.NO!).toBeCloseTo(1, 5);
      expect(a.in_domain_probability).toBeGreaterThan(0);
      const pOut = 1 - a.in_domain_probability!;
      expect(a.adjusted_confidence).toBeCloseTo(pOut * 0.5 + (1 - pOut) * a.confidence, 5);
      expect(a.model_versions.primary.version).toBe(1);
      expect(a.model_versions.oodd?.model_id).toMatch(/^starter-oodd-/);
      for (const k of ['decode', 'backbone', 'heads', 'total'] as const)
        expect(a.timings_ms[k]).toBeGreaterThanOrEqual(0);
      expect(a.timings_ms.total).toBeGreaterThanOrEqual(a.timings_ms.backbone);
    }
  });

  it('gives out-of-domain images a low in-domain probability and a near-chance adjusted confidence', async () => {
    for (const file of ['ood/digits-3.png', 'photos/dog.jpg']) {
      const a = (await (await post('detector_id=det_brick', await fixture(file))).json()) as Answer;
      expect(a.in_domain_probability, file).toBeLessThan(0.1);
      expect(a.adjusted_confidence, file).toBeLessThan(0.6);
    }
  });

  it('asks several detectors about one image in a single backbone pass', async () => {
    const before =
      (await server.metrics.backboneBatch.get()).values.find((v) => v.metricName?.endsWith('_count'))
        ?.value ?? 0;
    const res = await post(
      'detector_id=det_brick&detector_id=det_texture&detector_ids=det_nooodd',
      await fixture('textures/gravel/10.webp'),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: Answer[]; timings_ms: Answer['timings_ms'] };
    expect(body.results.map((r) => r.detector_id)).toEqual(['det_brick', 'det_texture', 'det_nooodd']);
    expect(body.results[0]!.label.name).toBe('NO');
    expect(body.results[1]!.label.name).toBe('gravel');
    expect(Object.keys(body.results[1]!.probabilities)).toEqual(['brick', 'grass', 'gravel']);
    // No OODD model installed: in-domain is null and adjusted equals the raw confidence.
    expect(body.results[2]!.in_domain_probability).toBeNull();
    expect(body.results[2]!.model_versions.oodd).toBeNull();
    expect(body.results[2]!.adjusted_confidence).toBe(body.results[2]!.confidence);
    const after =
      (await server.metrics.backboneBatch.get()).values.find((v) => v.metricName?.endsWith('_count'))
        ?.value ?? 0;
    expect(after - before).toBe(1);
  });

  it('refuses bad input with 4xx {detail, code} and keeps serving', async () => {
    const jpg = await fixture('photos/chelsea.jpg');
    const gif = await sharp(await fixture('ood/digits-0.png'))
      .gif()
      .toBuffer();
    const big = await sharp({ create: { width: 1200, height: 1000, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    const cases: [string, Uint8Array | string, number, string][] = [
      ['detector_id=det_brick', '', 400, 'EMPTY_BODY'],
      ['detector_id=det_brick', '{"image":"aGk="}', 400, 'NOT_AN_IMAGE'],
      ['detector_id=det_brick', gif, 415, 'UNSUPPORTED_IMAGE_FORMAT'],
      ['detector_id=det_brick', jpg.subarray(0, 5000), 400, 'CORRUPT_IMAGE'],
      ['detector_id=det_brick', big, 413, 'IMAGE_TOO_LARGE'],
      ['detector_id=det_brick', new Uint8Array(3 * 1024 * 1024), 413, 'PAYLOAD_TOO_LARGE'],
      ['detector_id=det_unknown', jpg, 404, 'MODEL_NOT_FOUND'],
      ['detector_id=..%2Fetc', jpg, 400, 'INVALID_PARAMETER'],
      ['', jpg, 400, 'INVALID_PARAMETER'],
    ];
    for (const [query, body, status, code] of cases) {
      const res = await post(query, body);
      expect(res.status, `${query} ${code}`).toBe(status);
      const json = (await res.json()) as { detail: string; code: string };
      expect(json.code).toBe(code);
      expect(json.detail.length).toBeGreaterThan(10);
    }
    expect((await fetch(`${api}/infer?detector_id=det_brick`)).status).toBe(405);
    expect((await fetch(`${api}/nope`)).status).toBe(404);
    const ok = await post('detector_id=det_brick', await fixture('textures/brick/08.jpg'));
    expect(ok.status).toBe(200);
  });
});

describe('health and metrics', () => {
  it('serves live/ready on both ports and Prometheus metrics', async () => {
    for (const base of [api, health]) {
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { backbone: string }).backbone).toMatch(/mobilenet_v2/);
    }
    const text = await (await fetch(`${health}/metrics`)).text();
    expect(text).toMatch(/inference_requests_total\{detector="det_brick",status="200"\} \d+/);
    expect(text).toMatch(/inference_request_duration_seconds_bucket\{le="[^"]+",detector="det_brick"\}/);
    expect(text).toMatch(/inference_model_loads_total\{kind="primary",result="ok"\} \d+/);
    expect(text).toMatch(/inference_requests_total\{detector="unknown",status="404"\} 1/);
    const models = (await (await fetch(`${api}/models`)).json()) as { loaded: { detector_id: string }[] };
    expect(models.loaded.map((m) => m.detector_id).sort()).toEqual([
      'det_brick',
      'det_nooodd',
      'det_texture',
    ]);
  });
});
