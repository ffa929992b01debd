/**
 * ModelUpdaterService with an in-process fake cloud (model info, downloads, heartbeats) and a real temp
 * folder: what a check installs, refuses and keeps. Nothing listens; start() (the graphql-ws push) is not used.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EdgeModelInfo } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import type { Fetched, HubHeartbeat } from '../cloud-client/cloud.client';
import { createLogger } from '../logger';
import { EdgeMetrics } from '../metrics/metrics';
import { ModelUpdaterService } from './model-updater.service';
import { packModelPackage } from './package-archive';

const DET = 'det_unit';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pkg = (tag: string) =>
  packModelPackage([
    ['model.buf', Buffer.from(`onnx-${tag}`)],
    ['pipeline_config.yaml', Buffer.from('size: 224\n')],
    ['predictor_metadata.json', Buffer.from(JSON.stringify({ tag }))],
  ]);

function fakeCloud() {
  const blobs = new Map<string, Buffer>();
  let info: Fetched<EdgeModelInfo> = { kind: 'not_found' };
  const downloads: string[] = [];
  const heartbeats: HubHeartbeat[] = [];
  return {
    downloads,
    heartbeats,
    publish(version: number, opts: { badSha?: boolean } = {}) {
      const primary = pkg(`p${version}`);
      const oodd = pkg(`o${version}`);
      blobs.set(`blob://p${version}`, primary);
      blobs.set(`blob://o${version}`, oodd);
      info = {
        kind: 'ok',
        value: {
          model_binary_id: `mv_p${version}`,
          model_binary_url: `blob://p${version}`,
          oodd_model_binary_id: `mv_o${version}`,
          oodd_model_binary_url: `blob://o${version}`,
          pipeline_config: null,
          oodd_pipeline_config: null,
          predictor_metadata: JSON.stringify({
            primary: {
              id: `mv_p${version}`,
              version,
              sha256: opts.badSha ? sha(Buffer.from('x')) : sha(primary),
            },
            oodd: { id: `mv_o${version}`, version, sha256: sha(oodd) },
          }),
          minimal_compatible: false,
        },
      };
    },
    client: {
      fetchModelUrls: async () => info,
      download: async (url: string): Promise<Fetched<Buffer>> => {
        downloads.push(url);
        const b = blobs.get(url);
        return b ? { kind: 'ok', value: b } : { kind: 'not_found' };
      },
      hubHeartbeat: async (input: HubHeartbeat) => {
        heartbeats.push(input);
        return true;
      },
    },
  };
}

function updater(cloud: ReturnType<typeof fakeCloud>, modelsDir: string) {
  const metrics = new EdgeMetrics({ outboxDepth: () => 0, defaultMetrics: false });
  const service = new ModelUpdaterService({
    cloud: cloud.client,
    cloudUrl: 'http://cloud.invalid',
    token: 'hub-token',
    modelsDir,
    log: createLogger('silent'),
    metrics,
    detectorIds: () => [DET],
    refreshRateS: () => 60,
    heartbeatIntervalS: 30,
    counters: async () => ({ edge_image_queries_total: 3 }),
  });
  return { service, metrics };
}

const versions = (modelsDir: string, kind: string) =>
  readdirSync(join(modelsDir, DET, kind))
    .filter((n) => /^\d+$/.test(n))
    .sort();

describe(ModelUpdaterService.name, () => {
  it('installs both packages under the cloud’s version with model_id.txt, and reports them', async () => {
    const cloud = fakeCloud();
    const modelsDir = join(mkdtempSync(join(tmpdir(), 'edge-models-unit-')), 'models');
    const { service } = updater(cloud, modelsDir);
    cloud.publish(3);
    await service.trigger(DET);
    expect(versions(modelsDir, 'primary')).toEqual(['3']);
    expect(readFileSync(join(modelsDir, DET, 'primary', '3', 'model_id.txt'), 'utf8')).toBe('mv_p3\n');
    expect(readFileSync(join(modelsDir, DET, 'oodd', '3', 'model.buf'), 'utf8')).toBe('onnx-o3');
    expect(service.servedDetectors()).toEqual([{ detectorId: DET, primaryVersion: 3, ooddVersion: 3 }]);
    await new Promise((r) => setImmediate(r));
    expect(cloud.heartbeats.at(-1)).toEqual({
      servedDetectors: [{ detectorId: DET, primaryVersion: 3, ooddVersion: 3 }],
      counters: { edge_image_queries_total: 3 },
      // No answer was timed since the last accepted heartbeat.
      latency: { count: 0, meanMs: null, p50Ms: null, p95Ms: null },
    });
  });

  it('refuses a package whose sha256 does not match and keeps serving the previous one', async () => {
    const cloud = fakeCloud();
    const modelsDir = join(mkdtempSync(join(tmpdir(), 'edge-models-unit-')), 'models');
    const { service, metrics } = updater(cloud, modelsDir);
    cloud.publish(1);
    await service.trigger(DET);
    cloud.publish(2, { badSha: true });
    await service.trigger(DET);
    expect(versions(modelsDir, 'primary')).toEqual(['1']);
    expect(versions(modelsDir, 'oodd')).toEqual(['1', '2']);
    expect((await metrics.modelInstallFailures.get()).values.map((v) => v.value)).toEqual([1]);
  });

  it('keeps the newest two versions and downloads nothing already installed, also after a restart', async () => {
    const cloud = fakeCloud();
    const modelsDir = join(mkdtempSync(join(tmpdir(), 'edge-models-unit-')), 'models');
    const first = updater(cloud, modelsDir).service;
    for (const v of [1, 2, 3]) {
      cloud.publish(v);
      await first.trigger(DET);
    }
    expect(versions(modelsDir, 'primary')).toEqual(['2', '3']);
    const before = cloud.downloads.length;
    await first.trigger(DET);
    expect(cloud.downloads.length).toBe(before);

    // A new process reads what is installed (model_id.txt) instead of downloading it again.
    const second = updater(cloud, modelsDir).service;
    await second.scanInstalled();
    await second.trigger(DET);
    expect(cloud.downloads.length).toBe(before);
  });
});
