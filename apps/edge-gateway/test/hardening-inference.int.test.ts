/**
 * A hung inference service at the edge (a real stand-in process, SIGSTOPped) with the real cloud: calls beyond
 * INFERENCE_MAX_IN_FLIGHT are refused at once; after INFERENCE_BREAKER_FAILURES timeouts the breaker opens and
 * requests are answered without waiting for inference — an escalation when the detector allows it, else
 * 503 + Retry-After; once the service answers again, a half-open probe closes the breaker. What reached (or
 * did not reach) inference is proven by the edge's counters, not by timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { api, startCloudForTests, type TestCloud } from '@intellioptics/cloud-graph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, waitFor, type Harness } from './support/harness';
import { png } from './support/images';

/** The stand-in: a separate process answering every call "no model installed" (an answer, not a failure). */
const STAND_IN = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ detail: 'no model', code: 'MODEL_NOT_FOUND' }));
  });
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

let cloud: TestCloud;
let inference: ChildProcess;
let edge: Harness;
let edgeOnly = '';
let escalating = '';
const image = png(16, 16);

async function detector(name: string): Promise<string> {
  const r = await api(cloud.url)('/v1/detectors', {
    method: 'POST',
    token: cloud.tokens.admin,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, query: 'Is it there?' }),
  });
  return (r.json as { id: string }).id;
}

async function submit(detectorId: string) {
  const res = await fetch(`${edge.url}/device-api/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    headers: { 'content-type': 'image/png', 'x-api-token': cloud.tokens.admin },
    body: new Uint8Array(image),
  });
  const body = (await res.json()) as { code?: string; id?: string };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code: body.code ?? null, body };
}

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (
    await fetch(`${edge.url}/metrics`, { headers: { 'x-api-token': cloud.tokens.admin } })
  ).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

beforeAll(async () => {
  cloud = await startCloudForTests();
  edgeOnly = await detector('breaker-edge-only');
  escalating = await detector('breaker-escalating');
  inference = spawn(process.execPath, ['-e', STAND_IN], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(inference.stdout!, 'data')) as [Buffer];
  const port = Number(chunk.toString().trim());
  edge = await startGateway({
    cloudUrl: cloud.url,
    inferenceUrl: `http://127.0.0.1:${port}`,
    token: cloud.tokens.admin,
    env: {
      INFERENCE_TIMEOUT_MS: '400',
      INFERENCE_MAX_IN_FLIGHT: '1',
      INFERENCE_BREAKER_FAILURES: '2',
      INFERENCE_BREAKER_OPEN_S: '1',
    },
    configYaml: [
      'global_config: { refresh_rate: 60, confident_audit_rate: 0 }',
      'detectors:',
      `  - { detector_id: ${edgeOnly}, edge_inference_config: edge_answers_with_escalation }`,
      `  - { detector_id: ${escalating}, edge_inference_config: default }`,
      '',
    ].join('\n'),
  });
}, 120_000);

afterAll(async () => {
  await edge?.gateway.close();
  if (inference && inference.exitCode === null) {
    inference.kill('SIGCONT');
    inference.kill('SIGKILL');
  }
  await cloud?.close();
}, 60_000);

describe('a hung inference service', () => {
  it('answers while inference is up (no model: an answer, not a failure)', async () => {
    expect((await submit(edgeOnly)).code).toBe('EDGE_ONLY_UNAVAILABLE');
    expect(await metric('edge_inference_breaker_open')).toBe(0);
  });

  it('refuses calls beyond INFERENCE_MAX_IN_FLIGHT at once, then opens the breaker after K timeouts', async () => {
    inference.kill('SIGSTOP');
    const [first, second] = await Promise.all([submit(edgeOnly), submit(edgeOnly)]);
    // One call went and timed out; the other found the one slot taken and was not queued behind it.
    for (const r of [first, second]) {
      expect(r).toMatchObject({ status: 503, code: 'EDGE_ONLY_UNAVAILABLE' });
      expect(r.retryAfter).toMatch(/^\d+$/);
    }
    expect(await metric('edge_inference_refused_total', '{why="saturated"}')).toBe(1);
    expect(await metric('edge_inference_breaker_open')).toBe(0);

    expect((await submit(edgeOnly)).status).toBe(503); // the second timeout in a row
    expect(await metric('edge_inference_breaker_open')).toBe(1);
  });

  it('while open, answers without calling inference: 503 + Retry-After, or an escalation when allowed', async () => {
    const refusedBefore = await metric('edge_inference_refused_total', '{why="open"}');
    const refused = await submit(edgeOnly);
    expect(refused).toMatchObject({ status: 503, code: 'EDGE_ONLY_UNAVAILABLE' });
    expect(refused.retryAfter).toMatch(/^\d+$/);

    const escalated = await submit(escalating);
    expect(escalated.status).toBe(200);
    const inCloud = await api(cloud.url)(`/device-api/v1/image-queries/${escalated.body.id}`, {
      token: cloud.tokens.admin,
    });
    expect(inCloud.status).toBe(200);
    expect(await metric('edge_inference_refused_total', '{why="open"}')).toBe(refusedBefore + 2);
  });

  it('closes again through a half-open probe once inference answers', async () => {
    inference.kill('SIGCONT');
    await waitFor(
      async () =>
        (await submit(edgeOnly)).code === 'EDGE_ONLY_UNAVAILABLE' &&
        (await metric('edge_inference_breaker_open')) === 0,
      30_000,
      'the breaker to close',
    );
  });
});
