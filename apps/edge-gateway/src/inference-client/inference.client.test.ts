/**
 * What the edge asks of inference: the detector's spec for the modes the built-in models answer, and which
 * detectors share one call (a tiny HTTP server records the requests).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectorAnswer } from '@intellioptics/schema';
import { HttpInferenceClient, specQueryOf, type InferenceTarget } from './inference.client';

const target = (
  id: string,
  mode: InferenceTarget['mode'],
  config: Record<string, unknown> | null = null,
) => ({
  id,
  mode,
  mode_configuration: config,
});

describe(specQueryOf.name, () => {
  it.each([
    ['an id alone', 'det', null],
    ['BINARY', target('d', 'BINARY'), null],
    ['MULTI_CLASS', target('d', 'MULTI_CLASS', { class_names: ['a', 'b'] }), null],
    [
      'COUNT',
      target('d', 'COUNT', { class_name: 'person', max_count: 5 }),
      'mode=COUNT&class_name=person&max_count=5',
    ],
    ['COUNT without a class name', target('d', 'COUNT', { max_count: 5 }), null],
    [
      'BOUNDING_BOX',
      target('d', 'BOUNDING_BOX', { class_name: 'fork lift' }),
      'mode=BOUNDING_BOX&class_name=fork+lift',
    ],
    ['TEXT', target('d', 'TEXT'), 'mode=TEXT'],
    [
      'TEXT with value_max_length',
      target('d', 'TEXT', { value_max_length: 8 }),
      'mode=TEXT&value_max_length=8',
    ],
  ] as const)('%s → %s', (_name, t, query) => {
    expect(specQueryOf(t)).toBe(query);
  });
});

describe('HttpInferenceClient routing', () => {
  const seen: string[] = [];
  let server: Server;
  let client: HttpInferenceClient;
  const answer = (id: string, mode: DetectorAnswer['mode']): DetectorAnswer => ({
    detector_id: id,
    mode,
    label: { index: 0, name: 'YES' },
    probabilities: { YES: 0.9, NO: 0.1 },
    confidence: 0.9,
    in_domain_probability: null,
    adjusted_confidence: 0.9,
    model_versions: { primary: { version: 1, model_id: 'm' }, oodd: null },
  });
  const timings = { decode: 1, backbone: 1, heads: 1, total: 3 };

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      const url = new URL(req.url!, 'http://x');
      seen.push(url.search.slice(1));
      const ids = url.searchParams.getAll('detector_id');
      const mode = (url.searchParams.get('mode') ?? 'BINARY') as DetectorAnswer['mode'];
      const body =
        ids.length === 1
          ? { ...answer(ids[0]!, mode), timings_ms: timings }
          : { results: ids.map((id) => answer(id, mode)), timings_ms: timings };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new HttpInferenceClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 5000, 4);
  });
  afterAll(() => {
    client.close();
    server.close();
  });

  it('shares one call among trained-only modes and asks each built-in-mode detector alone with its spec', async () => {
    seen.length = 0;
    const calls = await client.inferMany(
      [
        target('a', 'BINARY'),
        target('b', 'MULTI_CLASS', { class_names: ['x', 'y'] }),
        target('c', 'COUNT', { class_name: 'person' }),
        target('d', 'TEXT'),
      ],
      new Uint8Array([1, 2, 3]),
      'image/jpeg',
    );
    expect([...calls.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect([...calls.values()].every((c) => c.kind === 'ok')).toBe(true);
    expect(seen.sort()).toEqual([
      'detector_id=a&detector_id=b',
      'detector_id=c&mode=COUNT&class_name=person',
      'detector_id=d&mode=TEXT',
    ]);
    const c = calls.get('c')!;
    expect(c.kind === 'ok' && c.prediction.answer.mode).toBe('COUNT');
  });
});
