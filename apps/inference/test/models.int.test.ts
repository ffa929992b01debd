/**
 * Model lifecycle against the real server: LRU eviction with pinning (sessions released), hot version swap
 * under load with no failed request, corrupt packages refused while the previous version keeps serving.
 * Version checks are triggered with checkModelsNow() so nothing depends on timers or speed.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VisionEngine } from '@intellioptics/vision';
import { parseEnv } from '../src/config/env';
import type { InferenceServer } from '../src/server';
import { buildServer } from '../src/server';
import { corruptModel, fixture, installAs, memoryLogger, tmpRoot, trainPackages } from './helpers';

interface Answer {
  label: { name: string };
  model_versions: { primary: { version: number; model_id: string }; oodd: { version: number } | null };
}

let root: string;
let modelsDir: string;
let server: InferenceServer;
let api: string;
let pkgA: string;
let pkgB: string;
let logs: ReturnType<typeof memoryLogger>;
let brickTile: Buffer;

beforeAll(async () => {
  root = await tmpRoot();
  const engine = await VisionEngine.create();
  modelsDir = path.join(root, 'home', 'models');
  pkgA = await trainPackages(engine, root, 'a', { YES: ['brick'], NO: ['grass', 'gravel'] });
  // A different model of the same task (another regularisation) so v2 has different bytes and model id.
  pkgB = await trainPackages(engine, root, 'b', { YES: ['brick'], NO: ['grass', 'gravel'] }, 1e-2);
  for (const id of ['det_pin', 'det_1', 'det_2', 'det_3', 'det_swap'])
    await installAs(pkgA, modelsDir, id, 1);
  // Highest version corrupt from the start: the service must fall back to version 1.
  await installAs(pkgA, modelsDir, 'det_fallback', 1);
  await installAs(pkgB, modelsDir, 'det_fallback', 2);
  await corruptModel(path.join(modelsDir, 'det_fallback', 'primary', '2'));
  logs = memoryLogger();
  const config = parseEnv({
    IO_HOME: path.join(root, 'home'),
    INFERENCE_HOST: '127.0.0.1',
    INFERENCE_PORT: '0',
    INFERENCE_HEALTH_PORT: '0',
    INFERENCE_MAX_LOADED_DETECTORS: '3',
    INFERENCE_PINNED_DETECTORS: 'det_pin',
    INFERENCE_MODEL_POLL_MS: '3600000',
  });
  server = buildServer({ config, logger: logs.logger, createEngine: async () => engine });
  api = `http://127.0.0.1:${(await server.listen()).apiPort}`;
  await server.ready;
  brickTile = await fixture('textures/brick/10.webp');
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

async function ask(detector: string): Promise<Answer> {
  const res = await fetch(`${api}/infer?detector_id=${detector}`, { method: 'POST', body: brickTile });
  expect(res.status, detector).toBe(200);
  return (await res.json()) as Answer;
}

describe('model cache', () => {
  it('preloads pinned detectors, evicts the least recently used one (never a pinned one), releases sessions', async () => {
    expect(server.models().loadedIds()).toEqual(['det_pin']);
    await ask('det_1');
    await ask('det_2');
    const first = server.models().peek('det_1')!;
    await ask('det_1'); // det_2 is now the least recently used
    await ask('det_3');
    expect(server.models().loadedIds().sort()).toEqual(['det_1', 'det_3', 'det_pin']);
    const evicted = logs.lines().filter((l) => l.msg === 'detector evicted');
    expect(evicted).toEqual([expect.objectContaining({ detectorId: 'det_2', reason: 'cache_full' })]);
    expect(first.primary.disposed).toBe(false);
    // Asking det_2 again reloads it and evicts det_1 (the oldest non-pinned), releasing its sessions.
    expect((await ask('det_2')).label.name).toBe('YES');
    expect(server.models().loadedIds().sort()).toEqual(['det_2', 'det_3', 'det_pin']);
    expect(first.primary.disposed).toBe(true);
    expect(first.oodd?.disposed).toBe(true);
    const text = await (await fetch(`${api}/metrics`)).text();
    expect(text).toMatch(/inference_evictions_total\{reason="cache_full"\} 2/);
  });
});

describe('model versions', () => {
  it('swaps in a newly installed version while requests run: none fail, then v2 is served', async () => {
    const v1 = await ask('det_swap');
    expect(v1.model_versions.primary.version).toBe(1);
    const oldPrimary = server.models().peek('det_swap')!.primary;
    let stop = false;
    const seen = new Set<number>();
    const failures: string[] = [];
    const client = async (): Promise<void> => {
      while (!stop) {
        const res = await fetch(`${api}/infer?detector_id=det_swap`, { method: 'POST', body: brickTile });
        if (res.status !== 200) failures.push(`${res.status} ${await res.text()}`);
        else seen.add(((await res.json()) as Answer).model_versions.primary.version);
      }
    };
    const clients = [client(), client(), client()];
    await ask('det_swap');
    await installAs(pkgB, modelsDir, 'det_swap', 2);
    await server.checkModelsNow();
    await ask('det_swap');
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(seen.has(2)).toBe(true);
    const v2 = await ask('det_swap');
    expect(v2.model_versions.primary.version).toBe(2);
    expect(v2.model_versions.oodd?.version).toBe(2);
    expect(v2.model_versions.primary.model_id).not.toBe(v1.model_versions.primary.model_id);
    expect(v2.label.name).toBe('YES');
    expect(oldPrimary.disposed).toBe(true); // released once its in-flight requests finished
  });

  it('refuses a corrupt new version and keeps serving the previous one', async () => {
    await installAs(pkgA, modelsDir, 'det_swap', 3);
    await corruptModel(path.join(modelsDir, 'det_swap', 'primary', '3'));
    await server.checkModelsNow();
    const a = await ask('det_swap');
    expect(a.model_versions.primary.version).toBe(2);
    expect(a.model_versions.oodd?.version).toBe(3); // the OODD package of v3 is fine and is used
    const refused = logs
      .lines()
      .filter((l) => l.msg === 'model package refused; keeping the previous version');
    expect(refused).toContainEqual(
      expect.objectContaining({
        detectorId: 'det_swap',
        kind: 'primary',
        version: 3,
        reason: 'SHA256_MISMATCH',
      }),
    );
    const text = await (await fetch(`${api}/metrics`)).text();
    expect(text).toMatch(/inference_refused_packages_total\{kind="primary",reason="SHA256_MISMATCH"\} [1-9]/);
    // Refused once, not retried on every check while the files are unchanged.
    const before = refused.length;
    await server.checkModelsNow();
    expect(
      logs.lines().filter((l) => l.msg === 'model package refused; keeping the previous version').length,
    ).toBe(before);
  });

  it('loads the highest version that loads when the newest is corrupt', async () => {
    const a = await ask('det_fallback');
    expect(a.model_versions.primary.version).toBe(1);
    expect(a.model_versions.oodd?.version).toBe(2);
  });
});

describe('removed packages', () => {
  it('falls back to the version still installed, then unloads the detector when no primary is left', async () => {
    await installAs(pkgA, modelsDir, 'det_removed', 1);
    await installAs(pkgB, modelsDir, 'det_removed', 2);
    expect((await ask('det_removed')).model_versions.primary.version).toBe(2);
    const v2 = server.models().peek('det_removed')!;
    const [v2Primary, v2Oodd] = [v2.primary, v2.oodd];

    // The edge removed version 2 (say, a rollback in the cloud): version 1 serves again.
    await rm(path.join(modelsDir, 'det_removed', 'primary', '2'), { recursive: true });
    await rm(path.join(modelsDir, 'det_removed', 'oodd', '2'), { recursive: true });
    await server.checkModelsNow();
    const back = await ask('det_removed');
    expect(back.model_versions.primary.version).toBe(1);
    expect(back.model_versions.oodd?.version).toBe(1);
    expect(v2Primary.disposed).toBe(true);
    expect(v2Oodd?.disposed).toBe(true);

    // The detector was deleted or reset: nothing is left, so it is unloaded and answered as one without a model.
    const v1 = server.models().peek('det_removed')!.primary;
    await rm(path.join(modelsDir, 'det_removed'), { recursive: true });
    await server.checkModelsNow();
    expect(server.models().loadedIds()).not.toContain('det_removed');
    expect(v1.disposed).toBe(true);
    const res = await fetch(`${api}/infer?detector_id=det_removed`, { method: 'POST', body: brickTile });
    const never = await fetch(`${api}/infer?detector_id=det_never_installed`, {
      method: 'POST',
      body: brickTile,
    });
    expect(res.status).toBe(never.status);
    expect(((await res.json()) as { code?: string }).code).toBe('MODEL_NOT_FOUND');
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ detectorId: 'det_removed', reason: 'removed' }),
    );
    const text = await (await fetch(`${api}/metrics`)).text();
    expect(text).toMatch(/inference_evictions_total\{reason="removed"\} 1/);
  });
});
