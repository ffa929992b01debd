import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../src/blob/blob-store';
import { AzureBlobStore } from '../src/blob/azure-blob.store';
import { LocalBlobStore } from '../src/blob/local-blob.store';
import { startAzurite, type Azurite } from './helpers/azurite';
import { api, startCloudForTests, type TestCloud } from './support/test-cloud';
import { tinyPng } from './support/images';

let azurite: Azurite;
let azure: AzureBlobStore;
let app: TestCloud;

beforeAll(async () => {
  [azurite, app] = await Promise.all([startAzurite(), startCloudForTests()]);
  azure = new AzureBlobStore(azurite.connectionString, 'io-test');
});
afterAll(async () => {
  await azurite?.stop();
  await app?.close();
});

function contract(name: string, store: () => BlobStore) {
  describe(`${name} blob store`, () => {
    it('puts, reads, checks and deletes a blob', async () => {
      const s = store();
      const key = `images/det_test/${name}-1.jpg`;
      const data = Buffer.from(`hello ${name}`);
      expect(await s.exists(key)).toBe(false);
      expect(await s.get(key)).toBeNull();
      await s.put(key, data, 'image/jpeg');
      expect(await s.exists(key)).toBe(true);
      const got = await s.get(key);
      expect(got?.data.equals(data)).toBe(true);
      expect(got?.contentType).toBe('image/jpeg');
      await s.delete(key);
      await s.delete(key); // deleting twice is fine
      expect(await s.exists(key)).toBe(false);
    });

    it('serves a signed URL without a token, and refuses a tampered one', async () => {
      const s = store();
      const key = `models/det_test/primary/${name}/model.buf`;
      const data = Buffer.from([1, 2, 3, 4, 5]);
      await s.put(key, data, 'application/octet-stream');
      const url = await s.signedUrl(key, 60);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
      const u = new URL(url);
      const sig = u.searchParams.get('sig')!; // both stores call the signature `sig`
      u.searchParams.set('sig', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
      expect((await fetch(u)).status).toBe(403);
      const other = new URL(url);
      other.pathname = other.pathname.replace('model.buf', 'other.buf');
      expect((await fetch(other)).status).toBeGreaterThanOrEqual(400);
    });

    it('refuses keys that could escape the store', async () => {
      await expect(store().put('../etc/passwd', Buffer.from('x'), 'text/plain')).rejects.toThrow(
        /invalid blob key/,
      );
      await expect(store().put('/abs', Buffer.from('x'), 'text/plain')).rejects.toThrow(/invalid blob key/);
    });
  });
}

contract('azure', () => azure);
contract('local', () => app.deps.blobs);

describe('signed URL expiry', () => {
  it('local links stop working after their TTL', async () => {
    let now = Date.now();
    const local = app.deps.blobs as LocalBlobStore;
    const clocked = new LocalBlobStore({
      dir: local.dir,
      signingSecret: 'test-signing-secret-0123456789',
      publicBaseUrl: () => app.url,
      now: () => now,
    });
    await clocked.put('images/expiry.jpg', Buffer.from('x'), 'image/jpeg');
    now -= 120_000; // sign two minutes in the past with a 60 s TTL: already expired for the server
    const url = await clocked.signedUrl('images/expiry.jpg', 60);
    expect((await fetch(url)).status).toBe(403);
    now += 120_000;
    expect((await fetch(await clocked.signedUrl('images/expiry.jpg', 60))).status).toBe(200);
  });

  it('Azure SAS links stop working after their TTL', async () => {
    await azure.put('images/sas-expiry.jpg', Buffer.from('x'), 'image/jpeg');
    const url = await azure.signedUrl('images/sas-expiry.jpg', 1);
    expect((await fetch(url)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await fetch(url)).status).toBe(403);
  });
});

describe('cloud-graph with BLOB_BACKEND=azure', () => {
  it('stores image-query images and model packages in Azure and hands out SAS URLs', async () => {
    const t = await startCloudForTests({
      envOverrides: {
        BLOB_BACKEND: 'azure',
        AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
        AZURE_STORAGE_CONTAINER: 'io-app',
      },
    });
    try {
      expect(t.deps.blobs.kind).toBe('azure');
      const call = api(t.url);
      const det = await call('/device-api/v1/detectors', {
        method: 'POST',
        token: t.tokens.admin,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'azure-d', query: 'Azure?' }),
      });
      const iq = await call(`/device-api/v1/image-queries?detector_id=${det.json.id}`, {
        method: 'POST',
        token: t.tokens.admin,
        headers: { 'content-type': 'image/jpeg' },
        body: tinyPng(),
      });
      expect(iq.status).toBe(201);
      const img = await fetch(`${t.url}/device-api/v1/image-queries/${iq.json.id}/image`, {
        headers: { 'x-api-token': t.tokens.admin },
      });
      expect(img.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await img.arrayBuffer()).equals(tinyPng())).toBe(true);
      const { imageKey } = await t.services.imageQueries.get(String(iq.json.id));
      expect(imageKey).toMatch(
        new RegExp(`^images/${String(det.json.id)}/${String(iq.json.id)}-[0-9a-f]{8}\\.png$`),
      );
      expect(await azure.exists(imageKey)).toBe(false); // other container
      expect(await new AzureBlobStore(azurite.connectionString, 'io-app').exists(imageKey)).toBe(true);

      const mv = await t.services.models.create({
        detectorId: det.json.id,
        kind: 'primary',
        data: Buffer.from('onnx bytes'),
        metrics: {},
      });
      await t.services.models.publish(mv.id);
      const info = await call(`/edge-api/v1/fetch-model-urls/${det.json.id}/`, { token: t.tokens.hub });
      expect(info.json.model_binary_url).toContain('sig=');
      const pkg = await fetch(String(info.json.model_binary_url));
      expect(Buffer.from(await pkg.arrayBuffer()).toString()).toBe('onnx bytes');
    } finally {
      await t.close();
    }
  });
});
