/**
 * Compound detectors answered at the edge through the ordinary Groundlight route
 * (`POST /device-api/v1/image-queries?detector_id=<compound>`), with a real cloud (PostgreSQL), a real
 * inference service and the built-in COCO detector, on real photos from libs/vision's fixtures:
 * `detection/person.jpg` (one person, whose box centre is in the left half; the COCO detector finds no horse in
 * it) and `detection/horses.jpg` (horses, no person). The rule's trace is the stored explanation.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageQuerySchema, type Explanation, type ImageQuery } from '@intellioptics/schema';
import { fixture } from '@intellioptics/vision/test-fixtures';
import { startGateway, type Harness } from '../../test/support/harness';
import type { ServiceChild } from '../../test/support/real-services';
import { cloudChild, createDatabase, inferenceChild } from '../../test/support/real-services';

const ADMIN = 'io_admin_edge_compound_token_000001';

let work = '';
let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let inference: ServiceChild;
let cloudUrl = '';
let edge: Harness;
const det = {
  person: '',
  horse: '',
  strictHorse: '',
  handler: '',
  unsure: '',
  untrained: '',
  undecidable: '',
};

async function cloudPost(path: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${cloudUrl}/device-api/v1/${path}`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const counter = (name: string, className: string, threshold = 0.5) =>
  cloudPost('detectors', {
    name,
    query: `How many ${className}s?`,
    mode: 'COUNT',
    mode_configuration: { class_name: className, max_count: 10 },
    confidence_threshold: threshold,
  });

async function ask(
  detectorId: string,
  image: Buffer,
): Promise<{ iq: ImageQuery; reason: string | null; explanation: Explanation }> {
  const res = await fetch(`${edge.url}/device-api/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
    body: new Uint8Array(image),
  });
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  const iq = ImageQuerySchema.parse(body);
  const ex = await fetch(`${edge.url}/device-api/v1/image-queries/${iq.id}/explanation`, {
    headers: { 'x-api-token': ADMIN },
  });
  expect(ex.status).toBe(200);
  return {
    iq,
    reason: res.headers.get('x-intellioptics-reason'),
    explanation: (await ex.json()) as Explanation,
  };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edge-compound-'));
  db = createDatabase();
  ({ child: cloud, url: cloudUrl } = await cloudChild({ databaseUrl: db.url, work, adminToken: ADMIN }));
  await cloud.start();
  const tag = work.slice(-6);
  det.person = await counter(`person ${tag}`, 'person');
  det.horse = await counter(`horse ${tag}`, 'horse');
  det.strictHorse = await counter(`strict horse ${tag}`, 'horse', 0.999);
  det.handler = await cloudPost('compound-detectors', {
    name: `person without horse ${tag}`,
    query: 'Is a person in the left half, and no horse?',
    confidence_threshold: 0.5,
    rule: {
      all: [
        { detector: det.person, count: { gte: 1 } },
        { not: { detector: det.horse, count: { gte: 1 } } },
        { detector: det.person, inside: 'left half' },
      ],
    },
  });
  det.unsure = await cloudPost('compound-detectors', {
    name: `person, no horse, strict ${tag}`,
    query: 'Is a person and no horse?',
    confidence_threshold: 0.5,
    rule: {
      all: [
        { detector: det.person, count: { gte: 1 } },
        { not: { detector: det.strictHorse, count: { gte: 1 } } },
      ],
    },
  });
  // A BINARY part with no model yet: a rule that needs its answer cannot be decided.
  det.untrained = await cloudPost('detectors', { name: `helmet ${tag}`, query: 'Is a helmet worn?' });
  det.undecidable = await cloudPost('compound-detectors', {
    name: `person with helmet ${tag}`,
    query: 'Is a person wearing a helmet?',
    confidence_threshold: 0.5,
    rule: {
      all: [
        { detector: det.person, count: { gte: 1 } },
        { detector: det.untrained, label: 'YES' },
      ],
    },
  });

  const ioHome = join(work, 'edge-home');
  const started = await inferenceChild(ioHome);
  inference = started.child;
  await inference.start();
  edge = await startGateway({
    cloudUrl,
    inferenceUrl: started.url,
    token: ADMIN,
    ioHome,
    env: { CLOUD_TIMEOUT_MS: '3000', SYNC_ESCALATION_TIMEOUT_MS: '6000' },
    configYaml: [
      'global_config: { refresh_rate: 3600, confident_audit_rate: 0 }',
      'detectors:',
      ...Object.values(det).map(
        // The undecidable rule goes to people (default); edge-only presets would refuse it with a 503.
        (id) =>
          `  - { detector_id: ${id}, edge_inference_config: ${id === det.undecidable ? 'default' : 'edge_answers_with_escalation'} }`,
      ),
      'streams:',
      '  yard:',
      '    url: rtsp://127.0.0.1:9/none',
      `    detector_ids: [${det.handler}]`,
      '    interval_s: 3600',
      '    zones:',
      "      - { name: 'left half', box: { x: 0, y: 0, width: 0.5, height: 1 } }",
    ].join('\n'),
  });
}, 600_000);

afterAll(async () => {
  await edge?.gateway.close();
  await inference?.stop();
  await cloud?.stop();
  db?.drop();
}, 60_000);

describe('a rule over COCO detectors, answered at the edge with its trace', () => {
  it('person.jpg: a person in the left-half zone and no horse → YES, each sub-answer in the trace', async () => {
    const { iq, reason, explanation } = await ask(det.handler, await fixture('detection/person.jpg'));
    expect(iq.result).toMatchObject({ result_type: 'binary_classification', label: 'YES', from_edge: true });
    const rule = explanation.steps.filter((s) => s.kind === 'rule');
    console.log(rule.map((s) => s.text).join('\n'), '\nreason', reason);
    // One step per sub-answer (person, horse) and one for the evaluation.
    expect(rule).toHaveLength(3);
    expect(rule.slice(0, 2).map((s) => s.data?.['detector_id'])).toEqual([det.person, det.horse]);
    expect(rule[0]!.data).toMatchObject({ mode: 'COUNT', count: 1, boxes: 1 });
    expect(rule[1]!.data).toMatchObject({ mode: 'COUNT', count: 0, boxes: 0 });
    expect(rule[2]!.data).toMatchObject({ value: 'YES', parts: 3, unknown_parts: 0 });
    expect(rule[2]!.text).toContain('inside "left half" (1 of 1 boxes): true');
    const confidence = rule[2]!.data!['confidence'] as number;
    expect(iq.result!.confidence).toBeCloseTo(confidence, 9);
    expect(explanation).toMatchObject({ label: 'YES', image_query_id: iq.id });
    expect(explanation.steps.map((s) => s.kind)).toEqual(['rule', 'rule', 'rule', 'confidence', 'decision']);
    // Answered at the edge: confident when no unsure part matters and the combined confidence clears 0.5.
    expect(reason).toBe(confidence >= 0.5 ? 'CONFIDENT' : 'BELOW_THRESHOLD');
  }, 120_000);

  it('horses.jpg: no person → NO', async () => {
    const { iq, explanation } = await ask(det.handler, await fixture('detection/horses.jpg'));
    expect(iq.result).toMatchObject({ label: 'NO', from_edge: true });
    const evaluation = explanation.steps.filter((s) => s.kind === 'rule').at(-1)!;
    expect(evaluation.text).toContain(`rule.all[0] count of ${det.person} ≥ 1 (counted 0): false`);
  }, 120_000);

  it('a part that matters below its own threshold (horse at 0.999) makes the answer unsure: escalated', async () => {
    const { iq, reason, explanation } = await ask(det.unsure, await fixture('detection/person.jpg'));
    const evaluation = explanation.steps.filter((s) => s.kind === 'rule').at(-1)!;
    console.log(evaluation.text, '\nreason', reason);
    expect(evaluation.data).toMatchObject({ value: 'YES', unsure_parts_that_matter: 1 });
    expect(evaluation.text).toContain('unsure parts that matter (rule.all[1].not)');
    expect(iq.result!.confidence!).toBeLessThan(0.5);
    expect(reason).toBe('BELOW_THRESHOLD');
    expect(iq.done_processing).toBe(false);
  }, 120_000);

  it('a rule that cannot be decided (a part without a model) escalates and stores what was known', async () => {
    const { reason, explanation } = await ask(det.undecidable, await fixture('detection/person.jpg'));
    expect(reason).toBe('NO_MODEL');
    const rule = explanation.steps.filter((s) => s.kind === 'rule');
    // The sub-answers the edge had (the person count) and the evaluation naming the undecided part.
    expect(rule.length).toBeGreaterThanOrEqual(2);
    expect(rule.some((s) => /person/i.test(s.text))).toBe(true);
    expect(rule.at(-1)!.text).toMatch(/undecided|cannot be decided|no answer|unknown/i);
    expect(explanation.steps.at(-1)!.kind).toBe('decision');
  }, 120_000);
});
