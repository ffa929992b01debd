/**
 * The learned escalation policy applied at the edge: cloud-graph (PostgreSQL per run) holds the detectors and
 * their `escalation_policy` setting, a real inference service serves real packages (a starter model trained
 * from the committed texture photos) whose primary ships a policy, and the edge decides with it. What the
 * policy says is fixed here (its weights are data), so each row of the setting × shipped-policy table gives a
 * known outcome: the edge keeps an answer the threshold would escalate, or escalates it, and the explanation's
 * policy step says why; an answer the threshold keeps stays kept. The fit itself is tested in cloud-graph
 * (escalation-policy.int.test.ts) and measured by `npm run bench:escalation`.
 */
import { cp, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ESCALATION_POLICY_FEATURES,
  ESCALATION_POLICY_KIND,
  type EscalationPolicyModel,
  type Explanation,
} from '@intellioptics/schema';
import { buildStarterModel } from '../../../tools/build-starter-model';
import { startGateway, waitFor, type Harness } from './support/harness';
import { cloudChild, createDatabase, inferenceChild, type ServiceChild } from './support/real-services';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'libs', 'vision', 'test', 'fixtures');
const ADMIN = 'io_admin_edge_escalation_policy_0001';

/** A policy whose risk is the constant sigmoid(bias) (its weights are zero), certified at `threshold`. */
function constantPolicy(bias: number, won: boolean, threshold = ESCALATES_ALL): EscalationPolicyModel {
  const n = ESCALATION_POLICY_FEATURES.length;
  return {
    kind: ESCALATION_POLICY_KIND,
    features: [...ESCALATION_POLICY_FEATURES],
    mean: Array(n).fill(0),
    scale: Array(n).fill(1),
    weights: Array(n).fill(0),
    bias,
    risk_threshold: 0.2,
    conformal_quantile: 0.5,
    conformal_alpha: 0.1,
    neighbors: 5,
    class_risk: {},
    class_risk_default: 0.1,
    risk_control: 'learn_then_test',
    target_risk: 0.05,
    delta: 0.1,
    confidence_threshold: threshold,
    held_out: {
      examples: 400,
      escalation_rate_threshold: 0.4,
      escalation_rate_policy: won ? 0.2 : 0.5,
      edge_error_threshold: 0.05,
      edge_error_policy: 0.04,
      aurc_confidence: 0.03,
      aurc_policy: 0.02,
      won,
    },
    history_examples: 800,
  };
}
/** Risk 0.7% (kept) and 99.3% (escalated) against the risk threshold 20%. */
const KEEP = -5;
const ESCALATE = 5;
/** Detector thresholds: the first escalates every answer (the policy decides), the second keeps every one. */
const ESCALATES_ALL = 0.9999;
const KEEPS_ALL = 0.01;

interface Case {
  /** The detector's setting. */
  setting: 'learned' | 'threshold' | null;
  threshold: number;
  policy: EscalationPolicyModel;
  /** The x-intellioptics-reason header: the policy's reasons, or the threshold policy's. */
  reason: RegExp;
  policyStep: RegExp | null;
}
const cases: Record<string, Case> = {
  learned: {
    setting: 'learned',
    threshold: ESCALATES_ALL,
    policy: constantPolicy(KEEP, false),
    reason: /^POLICY_CONFIDENT$/,
    policyStep: /^Learned escalation policy: .*estimated error risk 0\.7% ≤ 20\.0%/,
  },
  defaultWon: {
    setting: null,
    threshold: ESCALATES_ALL,
    policy: constantPolicy(ESCALATE, true),
    reason: /^POLICY_RISK$/,
    policyStep: /^Learned escalation policy: .*estimated error risk 99\.3% > 20\.0%/,
  },
  defaultLost: {
    setting: null,
    threshold: ESCALATES_ALL,
    policy: constantPolicy(KEEP, false),
    reason: /^(BELOW_THRESHOLD|OUT_OF_DOMAIN)$/,
    policyStep: null,
  },
  threshold: {
    setting: 'threshold',
    threshold: ESCALATES_ALL,
    policy: constantPolicy(KEEP, true),
    reason: /^(BELOW_THRESHOLD|OUT_OF_DOMAIN)$/,
    policyStep: null,
  },
  // The policy only rescues escalations: an answer the threshold keeps is never sent to people by it.
  confidentStaysKept: {
    setting: 'learned',
    threshold: KEEPS_ALL,
    policy: constantPolicy(ESCALATE, true, KEEPS_ALL),
    reason: /^CONFIDENT$/,
    policyStep: null,
  },
  // Certified at another threshold than the detector's: the threshold decides.
  otherThreshold: {
    setting: 'learned',
    threshold: ESCALATES_ALL,
    policy: constantPolicy(KEEP, true, 0.9),
    reason: /^(BELOW_THRESHOLD|OUT_OF_DOMAIN)$/,
    policyStep: null,
  },
};
const ids: Record<string, string> = {};

let work = '';
let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let inference: ServiceChild;
let cloudUrl = '';
let edge: Harness;
let brick: Buffer;

async function ask(detectorId: string, extra: Record<string, string> = {}) {
  const q = new URLSearchParams({ detector_id: detectorId, ...extra });
  const res = await fetch(`${edge.url}/device-api/v1/image-queries?${q.toString()}`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
    body: new Uint8Array(brick),
  });
  const body = (await res.json()) as { id: string; result: { confidence: number | null } | null };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return { id: body.id, reason: res.headers.get('x-intellioptics-reason'), body };
}

async function explanationOf(id: string): Promise<Explanation> {
  const res = await fetch(`${edge.url}/device-api/v1/image-queries/${id}/explanation`, {
    headers: { 'x-api-token': ADMIN },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Explanation;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edge-policy-'));
  brick = await readFile(join(FIXTURES, 'textures/brick/04.jpg'));
  const data = join(work, 'data');
  for (const [cls, textures] of [
    ['YES', ['brick']],
    ['NO', ['grass', 'gravel']],
  ] as const) {
    await mkdir(join(data, cls), { recursive: true });
    for (const t of textures)
      for (const f of await readdir(join(FIXTURES, 'textures', t)))
        if (Number(f.slice(0, 2)) < 8)
          await cp(join(FIXTURES, 'textures', t, f), join(data, cls, `${t}-${f}`));
  }

  db = createDatabase();
  const c = await cloudChild({ databaseUrl: db.url, work, adminToken: ADMIN });
  cloud = c.child;
  cloudUrl = c.url;
  await cloud.start();
  const ioHome = join(work, 'edge-home');
  const pkgDir = join(work, 'pkg');
  await buildStarterModel({ detectorId: 'starter', dataDir: data, out: pkgDir });
  for (const [name, k] of Object.entries(cases)) {
    const res = await fetch(`${cloudUrl}/device-api/v1/detectors`, {
      method: 'POST',
      headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `policy ${name} ${work.slice(-6)}`,
        query: 'Is it brick?',
        confidence_threshold: k.threshold,
        ...(k.setting ? { escalation_policy: k.setting } : {}),
      }),
    });
    const detector = (await res.json()) as { id: string; escalation_policy: string | null };
    expect(res.status, JSON.stringify(detector)).toBeLessThan(300);
    expect(detector.escalation_policy ?? null).toBe(k.setting);
    ids[name] = detector.id;
    // The operator's install of a trained package (model store layout); its primary ships the case's policy.
    for (const kind of ['primary', 'oodd'])
      await cp(join(pkgDir, kind), join(ioHome, 'models', detector.id, kind, '1'), { recursive: true });
    const metaPath = join(ioHome, 'models', detector.id, 'primary', '1', 'predictor_metadata.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
    await writeFile(metaPath, JSON.stringify({ ...meta, escalation_policy: k.policy }, null, 2));
  }
  const inf = await inferenceChild(ioHome);
  inference = inf.child;
  await inference.start();
  edge = await startGateway({
    cloudUrl,
    inferenceUrl: inf.url,
    token: ADMIN,
    ioHome,
    configYaml: [
      'global_config: { refresh_rate: 60, confident_audit_rate: 0 }',
      'detectors:',
      ...Object.values(ids).map(
        (id) => `  - { detector_id: ${id}, edge_inference_config: edge_answers_with_escalation }`,
      ),
    ].join('\n'),
  });
  // Every detector answered by its model before the table runs; asked with a request threshold, so the warm-up
  // neither escalates nor starts the background-escalation cooldown.
  for (const id of Object.values(ids))
    await waitFor(
      async () => ((await ask(id, { confidence_threshold: '0.01' })).reason === 'CONFIDENT' ? true : null),
      60_000,
      `a model for ${id}`,
    );
}, 600_000);

afterAll(async () => {
  await edge?.gateway.close();
  await inference?.stop();
  await cloud?.stop();
  db?.drop();
}, 60_000);

describe('the edge decides with the escalation policy its package ships', () => {
  it.each(Object.keys(cases))('%s', async (name) => {
    const k = cases[name]!;
    const answer = await ask(ids[name]!);
    expect(answer.reason).toMatch(k.reason);
    const steps = (await explanationOf(answer.id)).steps;
    const policy = steps.find((s) => s.kind === 'policy');
    if (k.policyStep) {
      expect(policy?.text).toMatch(k.policyStep);
      expect(policy?.data).toMatchObject({ escalate: k.reason.test('POLICY_RISK'), risk_threshold: 0.2 });
    } else expect(policy).toBeUndefined();
  });

  it('a request with its own confidence_threshold is decided by that threshold', async () => {
    // The policy would keep it (POLICY_CONFIDENT without the request threshold).
    expect((await ask(ids.learned!, { confidence_threshold: '0.9999' })).reason).toMatch(
      /^(BELOW_THRESHOLD|OUT_OF_DOMAIN)$/,
    );
  });
});
