/**
 * The learned escalation policy in the training worker, on real PostgreSQL, the real backbone and real images
 * (Fashion-MNIST from Debian's dataset-fashion-mnist): a detector with a labelled history gets a policy in its
 * new primary package (valid against the contract, readable by libs/vision's package reader); one with a
 * short history keeps the threshold policy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateEscalationPolicy } from '@intellioptics/decision';
import { newId, readEscalationPolicy } from '@intellioptics/schema';
import { readModelPackage, writeModelPackage } from '@intellioptics/vision';
import { storeBinaryDetector, storeLabelledShirts, useLearningRig } from '../../../test/support/learning-rig';
import { getPackage } from './model-package.blobs';

const rig = useLearningRig({
  name: 'policy-blobs',
  worker: { workerId: 'worker-policy', leaseSeconds: 300 },
});

const createDetector = async (name: string): Promise<string> =>
  (await storeBinaryDetector(rig, { name, query: 'Is it a shirt?', groupName: 'policy' })).id;

/** Deterministic ids: the fit/calibration split hashes them, so random ids would make the outcome vary by run. */
let idCounter = 0;
const ID_EPOCH = Date.UTC(2026, 0, 1);
function nextImageQueryId(): string {
  const n = idCounter++;
  return newId('imageQuery', {
    now: () => ID_EPOCH + n,
    random: () => {
      const out = new Uint8Array(15);
      let x = (n + 1) * 2654435761;
      for (let i = 0; i < out.length; i++) {
        x = Math.imul(x ^ (x >>> 13), 1274126177);
        out[i] = x & 0xff;
      }
      return out;
    },
  });
}

/**
 * Labelled image queries of shirts (YES) and look-alikes (NO). Every third one is an edge audit at audit rate
 * 0.2 (weight 5 in the fit), the rest escalations, as the edge's metadata says.
 */
const labelledHistory = (detectorId: string, count: number, seed: number) =>
  storeLabelledShirts(rig, {
    detectorId,
    count,
    seed,
    nextId: nextImageQueryId,
    metadata: (n) =>
      n % 3 === 0 ? { reason: 'AUDIT', is_edge_audit: true, audit_rate: 0.2 } : { reason: 'BELOW_THRESHOLD' },
  });

describe('the training worker fits the escalation policy', () => {
  it('ships a policy in the primary package of a detector with a labelled history', async () => {
    const detectorId = await createDetector('shirts');
    await labelledHistory(detectorId, 420, 31);
    expect(await rig.worker.schedule()).toHaveLength(1);
    const job = await rig.worker.runOnce();
    expect(job).toMatchObject({ state: 'SUCCEEDED' });
    const log = job!.log.map((l) => l.message).join('\n');
    expect(log).toMatch(/escalation policy (FITTED|NOT_BETTER) on 4\d\d labelled answers/);
    const summary = (job!.result as { escalationPolicy: Record<string, unknown> }).escalationPolicy;
    expect(summary.history_examples).toBeGreaterThan(400);

    const primary = (await rig.models.list({ detectorId })).find((v) => v.kind === 'primary')!;
    expect(primary.metrics).toMatchObject({ escalation_policy: { reason: summary.reason } });
    const pkg = await getPackage(rig.blobs, primary.blobKey);
    const policy = readEscalationPolicy(pkg.metadata.escalation_policy);
    expect(policy.error).toBeNull();
    const model = policy.model!;
    expect(model.confidence_threshold).toBe(0.8);
    expect(model.history_examples).toBe(summary.history_examples);
    expect(model.held_out.won).toBe(summary.reason === 'FITTED');
    // Certified against the threshold policy's joint error rate measured on the fitting half.
    expect(model.risk_control).toBe('conformal_risk_control');
    expect(model.target_joint_risk).toBeGreaterThan(0);

    // The package round-trips through libs/vision's reader, which validates the policy.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'policy-pkg-'));
    try {
      await writeModelPackage(path.join(dir, 'pkg'), pkg);
      expect((await readModelPackage(path.join(dir, 'pkg'))).metadata.escalation_policy).toEqual(model);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Neighbour disagreement raises the risk it predicts for the same probabilities.
    const obs = {
      classNames: ['YES', 'NO'],
      probabilities: [0.85, 0.15],
      inDomain: 0.9,
      modelAgeDays: 0,
      auditDisagreement: null,
    };
    const agree = evaluateEscalationPolicy(model, {
      ...obs,
      neighborLabels: ['YES', 'YES', 'YES', 'YES', 'YES'],
    });
    const disagree = evaluateEscalationPolicy(model, {
      ...obs,
      neighborLabels: ['NO', 'NO', 'NO', 'NO', 'NO'],
    });
    expect(disagree.risk).toBeGreaterThan(agree.risk);
    expect(disagree.text).toMatch(/5 of 5 nearest labelled examples disagree/);
  }, 600_000);

  it('keeps the threshold policy for a short history', async () => {
    const detectorId = await createDetector('few-shirts');
    await labelledHistory(detectorId, 40, 32);
    expect(await rig.worker.schedule()).toHaveLength(1);
    const job = await rig.worker.runOnce();
    expect(job).toMatchObject({ state: 'SUCCEEDED' });
    expect(job!.log.map((l) => l.message).join('\n')).toMatch(
      /escalation policy HISTORY_TOO_SMALL: 40 labelled answers, needs 200/,
    );
    const primary = (await rig.models.list({ detectorId })).find((v) => v.kind === 'primary')!;
    expect((await getPackage(rig.blobs, primary.blobKey)).metadata.escalation_policy).toBeUndefined();
  }, 300_000);
});
