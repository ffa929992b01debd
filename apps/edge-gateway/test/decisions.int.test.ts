/**
 * Decision paths end to end (real HTTP, real SQLite, stand-ins counting what reaches the cloud): invisible
 * audits, the per-detector escalation cooldown shared by every request, the `disabled` preset, and
 * human_review=ALWAYS while the cloud is down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageQuerySchema, newId } from '@intellioptics/schema';
import { FakeCloud, detector } from './support/fake-cloud';
import { FakeInference } from './support/fake-inference';
import { png } from './support/images';
import { outboxRows, startGateway, waitFor, type Harness } from './support/harness';

const TOKEN = 'edgeTOKEN_decisions_abcdefgh';
const AUDITED = newId('detector');
const ESC = newId('detector');
const OFF = newId('detector');
const cloud = new FakeCloud();
const inference = new FakeInference();
let h: Harness;
const image = png(20, 20);

const post = (detectorId: string, params: Record<string, string> = {}) =>
  fetch(
    `${h.url}/device-api/v1/image-queries?${new URLSearchParams({ detector_id: detectorId, ...params }).toString()}`,
    {
      method: 'POST',
      headers: { 'x-api-token': TOKEN, 'content-type': 'image/jpeg' },
      body: new Uint8Array(image),
    },
  );
const sentFor = (id: string) => cloud.received.filter((r) => r.params.image_query_id === id);

beforeAll(async () => {
  cloud.validTokens.add(TOKEN);
  for (const id of [AUDITED, ESC, OFF]) cloud.detectors.set(id, detector(id));
  await cloud.start();
  await inference.start();
  inference.setConfident(AUDITED, 0, 0.99);
  inference.setConfident(ESC, 1, 0.6);
  inference.setConfident(OFF, 0, 0.99);
  h = await startGateway({
    cloudUrl: cloud.url,
    inferenceUrl: inference.url,
    token: TOKEN,
    random: () => 0, // every audit roll audits when the rate is > 0
    configYaml: [
      'global_config: { refresh_rate: 60, confident_audit_rate: 0.5 }',
      'edge_inference_configs:',
      '  slow_escalation: { always_return_edge_prediction: true, min_time_between_escalations: 30 }',
      'detectors:',
      `  - { detector_id: ${ESC}, edge_inference_config: slow_escalation }`,
      `  - { detector_id: ${OFF}, edge_inference_config: disabled }`,
    ].join('\n'),
  });
});

afterAll(async () => {
  await h?.gateway.close();
  await cloud.stop();
  await inference.stop();
});

describe('decision paths', () => {
  it('sends an invisible audit for a confident answer: same answer, done_processing true, same id in the cloud', async () => {
    const res = await post(AUDITED);
    const iq = ImageQuerySchema.parse(await res.json());
    // The decision travels in IntelliOptics' headers; the caller's metadata is only marked from the edge.
    expect(res.headers.get('x-intellioptics-reason')).toBe('AUDIT');
    expect(iq.metadata).toEqual({ is_from_edge: true });
    expect(iq.done_processing).toBe(true);
    expect(iq.result?.from_edge).toBe(true);
    await waitFor(() => sentFor(iq.id).length === 1, 5000, 'the audit');
    const meta = JSON.parse(
      Buffer.from(sentFor(iq.id)[0]!.params.metadata!, 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(meta).toMatchObject({ is_edge_audit: true, reason: 'AUDIT' });
    // human_review=NEVER rules out audits
    const never = await post(AUDITED, { human_review: 'NEVER' });
    expect(never.headers.get('x-intellioptics-reason')).toBe('CONFIDENT');
  });

  it('escalates one unconfident answer per cooldown window for the whole process', async () => {
    const responses = await Promise.all([1, 2, 3, 4].map(() => post(ESC)));
    const answers = await Promise.all(responses.map(async (r) => ImageQuerySchema.parse(await r.json())));
    const escalated = answers.filter((a) => !a.done_processing);
    expect(escalated).toHaveLength(1);
    expect(responses.filter((r) => r.headers.get('x-intellioptics-reason') === 'COOLDOWN')).toHaveLength(3);
    await waitFor(() => sentFor(escalated[0]!.id).length === 1, 5000, 'the one escalation');
    // The other three are final at the edge: not sent, and nothing queued to send them later.
    const others = answers.filter((a) => a.id !== escalated[0]!.id).map((a) => a.id);
    expect(answers.filter((a) => sentFor(a.id).length > 0)).toHaveLength(1);
    expect(await outboxRows(h.gateway, others)).toBe(0);
    expect(await outboxRows(h.gateway, [escalated[0]!.id])).toBe(1);
  });

  it('does not answer a disabled detector on the edge: the cloud answers and the edge keeps nothing', async () => {
    const before = inference.calls;
    const res = await post(OFF);
    expect(res.status).toBe(200);
    const iq = ImageQuerySchema.parse(await res.json());
    expect(iq.metadata).toBeNull(); // the cloud's IQ, as the stand-in made it
    expect(inference.calls).toBe(before);
    expect(sentFor(iq.id)).toHaveLength(1);
    const local = await fetch(`${h.url}/device-api/v1/image-queries/${iq.id}`, {
      headers: { 'x-api-token': TOKEN },
    });
    // The edge has no copy; the read is forwarded to the cloud, which answers it.
    expect(local.headers.get('x-io-served-by')).toBe('cloud');
    expect(await h.gateway.store.imageQueries.get(iq.id)).toBeNull();
  });

  it('queues human_review=ALWAYS while the cloud is down and answers with the chance-level prior at once', async () => {
    const port = cloud.port;
    await cloud.stop();
    try {
      // First request learns the cloud is down (sync attempt fails → outbox); the edge still answers.
      const first = await post(AUDITED, { human_review: 'ALWAYS' });
      expect(first.status).toBe(200);
      const iq = ImageQuerySchema.parse(await first.json());
      expect(iq.result).toMatchObject({ label: 'UNCLEAR', confidence: 0.5, source: 'ALGORITHM' });
      expect(iq.done_processing).toBe(false);
      expect(first.headers.get('x-intellioptics-reason')).toBe('HUMAN_REVIEW_ALWAYS');
      const off = await post(OFF);
      expect(off.status).toBe(503); // disabled + cloud unreachable: retry later (not edge-only)
      expect(off.headers.get('x-io-edge-only')).toBeNull();
      await cloud.start(port);
      await waitFor(() => cloud.iqs.has(iq.id), 10_000, 'the queued review');
    } catch (e) {
      await cloud.start(port).catch(() => undefined);
      throw e;
    }
  });
});
