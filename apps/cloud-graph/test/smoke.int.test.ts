import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startCloudForTests, type TestCloud } from './support/test-cloud';
import { tinyJpeg } from './support/images';

let t: TestCloud;
beforeAll(async () => {
  t = await startCloudForTests();
});
afterAll(async () => {
  await t?.close();
});

describe('smoke', () => {
  it('creates a detector, submits an image, labels it', async () => {
    const call = api(t.url);
    const det = await call('/device-api/v1/detectors', {
      method: 'POST',
      token: t.tokens.admin,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'd1', query: 'Is it ok?' }),
    });
    expect(det.status).toBe(201);
    const iq = await call(`/device-api/v1/image-queries?detector_id=${det.json.id}`, {
      method: 'POST',
      token: t.tokens.hub,
      headers: { 'content-type': 'image/jpeg' },
      body: tinyJpeg(),
    });
    expect(iq.status, iq.text).toBe(201);
    const label = await call('/device-api/v1/labels', {
      method: 'POST',
      token: t.tokens.reviewer,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'YES', image_query_id: iq.json.id, rois: null }),
    });
    expect(label.status, label.text).toBe(201);
    const got = await call(`/device-api/v1/image-queries/${iq.json.id}`, { token: t.tokens.admin });
    expect(got.json.result).toMatchObject({ label: 'YES', source: 'USER', confidence: 1 });
  });
});
