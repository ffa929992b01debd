/**
 * Model updates against a real HTTP stand-in for the cloud's fetch-model-urls route and signed blob URLs:
 * install layout, sha256 refusal, keep-newest-2, no re-download of what is installed; a reset or deleted
 * detector loses its cloud packages (marked from_cloud.json) while an operator's own packages stay, also when
 * they carry model_id.txt as every package libs/vision writes does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOUD_INSTALL_MARKER } from '@intellioptics/schema';
import { HttpCloudClient } from '../src/cloud-client/cloud.client';
import { createLogger } from '../src/logger';
import { EdgeMetrics } from '../src/metrics/metrics';
import { ModelUpdaterService } from '../src/models/model-updater.service';
import { packModelPackage } from '../src/models/package-archive';

const DET = 'det_' + 'M'.repeat(27);
const blobs = new Map<string, Buffer>();
/** What fetch-model-urls answers; null = 404 (the detector is unknown to the cloud). */
let info: Record<string, unknown> | null = {};
let downloads = 0;
let server: http.Server;
let url = '';

function pkg(tag: string): Buffer {
  return packModelPackage([
    ['model.buf', Buffer.from(`onnx-bytes-${tag}`)],
    ['pipeline_config.yaml', Buffer.from('size: 224\n')],
    ['predictor_metadata.json', Buffer.from(JSON.stringify({ tag }))],
  ]);
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A package an operator placed by hand as version 1 (model_id.txt optional, never the cloud's marker). */
function operatorPackage(modelsDir: string, kind: string, modelId: string | null): string {
  const dir = join(modelsDir, DET, kind, '1');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.buf'), `operator-${kind}`);
  if (modelId) writeFileSync(join(dir, 'model_id.txt'), `${modelId}\n`);
  return dir;
}

function publish(version: number, opts: { corrupt?: boolean } = {}) {
  const primary = pkg(`p${version}`);
  const oodd = pkg(`o${version}`);
  blobs.set(`/blob/p${version}`, opts.corrupt ? Buffer.concat([primary, Buffer.from('x')]) : primary);
  blobs.set(`/blob/o${version}`, oodd);
  info = {
    model_binary_id: `mv_p${version}`,
    model_binary_url: `${url}/blob/p${version}`,
    oodd_model_binary_id: `mv_o${version}`,
    oodd_model_binary_url: `${url}/blob/o${version}`,
    pipeline_config: null,
    oodd_pipeline_config: null,
    predictor_metadata: JSON.stringify({
      primary: { id: `mv_p${version}`, version, sha256: sha(primary) },
      oodd: { id: `mv_o${version}`, version, sha256: sha(oodd) },
    }),
    minimal_compatible: false,
  };
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === `/edge-api/v1/fetch-model-urls/${DET}/`) {
      res.writeHead(info ? 200 : 404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(info ?? { detail: 'Not found.' }));
    }
    const blob = blobs.get(req.url ?? '');
    if (blob) {
      downloads++;
      res.writeHead(200);
      return res.end(blob);
    }
    res.writeHead(404);
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe(ModelUpdaterService.name, () => {
  it('installs verified packages atomically, refuses a bad sha256 and keeps the newest two', async () => {
    const modelsDir = join(mkdtempSync(join(tmpdir(), 'edge-models-')), 'models');
    const metrics = new EdgeMetrics({ outboxDepth: () => 0, defaultMetrics: false });
    const cloud = new HttpCloudClient(url, 'tok', 2000);
    const sut = new ModelUpdaterService({
      cloud,
      cloudUrl: url,
      token: 'tok',
      modelsDir,
      log: createLogger('silent'),
      metrics,
      detectorIds: () => [DET],
      refreshRateS: () => 3600,
      heartbeatIntervalS: 3600,
      counters: async () => ({}),
    });
    const versions = (kind: string) => readdirSync(join(modelsDir, DET, kind)).sort();
    try {
      publish(1);
      await sut.trigger(DET);
      expect(versions('primary')).toEqual(['1']);
      expect(readFileSync(join(modelsDir, DET, 'primary', '1', 'model.buf'), 'utf8')).toBe('onnx-bytes-p1');
      expect(readFileSync(join(modelsDir, DET, 'oodd', '1', 'model_id.txt'), 'utf8').trim()).toBe('mv_o1');
      expect(sut.servedDetectors()).toEqual([{ detectorId: DET, primaryVersion: 1, ooddVersion: 1 }]);

      const before = downloads;
      await sut.trigger(DET);
      expect(downloads).toBe(before); // nothing new: no download

      publish(2, { corrupt: true });
      await sut.trigger(DET);
      expect(versions('primary')).toEqual(['1']); // refused; version 1 keeps serving
      expect(versions('oodd')).toEqual(['1', '2']);
      expect((await metrics.modelInstallFailures.get()).values[0]?.value).toBe(1);

      publish(3);
      await sut.trigger(DET);
      publish(4);
      await sut.trigger(DET);
      expect(versions('primary')).toEqual(['3', '4']);
      expect(versions('oodd')).toEqual(['3', '4']);
      expect(readdirSync(join(modelsDir, DET, 'primary')).some((n) => n.startsWith('.'))).toBe(false);
      expect(existsSync(join(modelsDir, DET, 'primary', '4', 'pipeline_config.yaml'))).toBe(true);
      expect(sut.servedDetectors()).toEqual([{ detectorId: DET, primaryVersion: 4, ooddVersion: 4 }]);
    } finally {
      await sut.stop();
      cloud.close();
    }
  });

  it('removes the cloud packages of a reset detector, then of a deleted one; an operator package stays', async () => {
    const modelsDir = join(mkdtempSync(join(tmpdir(), 'edge-models-')), 'models');
    const metrics = new EdgeMetrics({ outboxDepth: () => 0, defaultMetrics: false });
    const cloud = new HttpCloudClient(url, 'tok', 2000);
    const sut = new ModelUpdaterService({
      cloud,
      cloudUrl: url,
      token: 'tok',
      modelsDir,
      log: createLogger('silent'),
      metrics,
      detectorIds: () => [DET],
      refreshRateS: () => 3600,
      heartbeatIntervalS: 3600,
      counters: async () => ({}),
    });
    const versions = (kind: string) =>
      existsSync(join(modelsDir, DET, kind)) ? readdirSync(join(modelsDir, DET, kind)).sort() : [];
    try {
      // An operator's own OODD package without model_id.txt and primary package with one (as libs/vision's
      // writer and tools/build-starter-model.ts install it), then the cloud's versions 5 and 6 of both kinds.
      const own = operatorPackage(modelsDir, 'oodd', null);
      const ownPrimary = operatorPackage(modelsDir, 'primary', 'starter-primary');
      publish(5);
      await sut.trigger(DET);
      publish(6);
      await sut.trigger(DET);
      expect(versions('primary')).toEqual(['1', '5', '6']); // pruning keeps the operator's version
      expect(versions('oodd')).toEqual(['1', '5', '6']);
      expect(existsSync(join(modelsDir, DET, 'primary', '6', CLOUD_INSTALL_MARKER))).toBe(true);
      expect(existsSync(join(ownPrimary, CLOUD_INSTALL_MARKER))).toBe(false);
      publish(7);
      await sut.trigger(DET);
      expect(versions('primary')).toEqual(['1', '6', '7']);

      // Reset in the cloud: fetch-model-urls answers with no primary model.
      info = { ...info, model_binary_id: null, model_binary_url: null };
      await sut.trigger(DET);
      expect(versions('primary')).toEqual(['1']);
      expect(readFileSync(join(ownPrimary, 'model.buf'), 'utf8')).toBe('operator-primary');
      expect(versions('oodd')).toEqual(['1', '6', '7']); // the cloud still serves its OODD version
      expect(sut.servedDetectors()).toEqual([{ detectorId: DET, primaryVersion: null, ooddVersion: 7 }]);

      // Deleted in the cloud: fetch-model-urls answers 404.
      info = null;
      await sut.trigger(DET);
      expect(versions('oodd')).toEqual(['1']);
      expect(versions('primary')).toEqual(['1']);
      expect(readFileSync(join(own, 'model.buf'), 'utf8')).toBe('operator-oodd');
      expect(sut.servedDetectors()).toEqual([{ detectorId: DET, primaryVersion: null, ooddVersion: null }]);
    } finally {
      await sut.stop();
      cloud.close();
    }
  });

  it('keeps a starter package installed before the cloud has any model for the detector', async () => {
    const modelsDir = join(mkdtempSync(join(tmpdir(), 'edge-models-')), 'models');
    const metrics = new EdgeMetrics({ outboxDepth: () => 0, defaultMetrics: false });
    const cloud = new HttpCloudClient(url, 'tok', 2000);
    const sut = new ModelUpdaterService({
      cloud,
      cloudUrl: url,
      token: 'tok',
      modelsDir,
      log: createLogger('silent'),
      metrics,
      detectorIds: () => [DET],
      refreshRateS: () => 3600,
      heartbeatIntervalS: 3600,
      counters: async () => ({}),
    });
    try {
      const primary = operatorPackage(modelsDir, 'primary', 'starter-p');
      const oodd = operatorPackage(modelsDir, 'oodd', 'starter-o');
      await sut.scanInstalled(); // what start() does first: the starter ids count as installed
      info = {
        model_binary_id: null,
        model_binary_url: null,
        oodd_model_binary_id: null,
        oodd_model_binary_url: null,
        pipeline_config: null,
        oodd_pipeline_config: null,
        predictor_metadata: null,
        minimal_compatible: false,
      };
      await sut.trigger(DET);
      await sut.trigger(DET);
      expect(readFileSync(join(primary, 'model.buf'), 'utf8')).toBe('operator-primary');
      expect(readFileSync(join(oodd, 'model.buf'), 'utf8')).toBe('operator-oodd');
      info = null; // deleted in the cloud
      await sut.trigger(DET);
      expect(readdirSync(join(modelsDir, DET, 'primary'))).toEqual(['1']);
      expect(readdirSync(join(modelsDir, DET, 'oodd'))).toEqual(['1']);
    } finally {
      await sut.stop();
      cloud.close();
    }
  });
});
