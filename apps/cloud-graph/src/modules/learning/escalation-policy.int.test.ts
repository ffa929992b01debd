/**
 * The learned escalation policy in the training worker, on real PostgreSQL, the real backbone and real images
 * (Fashion-MNIST from Debian's dataset-fashion-mnist): the worker fits a policy for every new pooled primary and
 * records its verdict in the job log, the job result and the version's metrics; a policy nothing certified does
 * not ship, and a short history keeps the threshold policy. A certified policy needs a history far longer than
 * a test can train on (bench:escalation certifies one on 19,664 labelled answers); the package contract and
 * the edge deciding with a shipped policy are tested in libs/vision and apps/edge-gateway.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '@intellioptics/schema';
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
  it('fits the policy for the new primary and records its verdict (nothing certified: nothing shipped)', async () => {
    const detectorId = await createDetector('shirts');
    await labelledHistory(detectorId, 420, 31);
    expect(await rig.worker.schedule()).toHaveLength(1);
    const job = await rig.worker.runOnce();
    expect(job).toMatchObject({ state: 'SUCCEEDED' });
    const log = job!.log.map((l) => l.message).join('\n');
    const summary = (job!.result as { escalationPolicy: Record<string, unknown> }).escalationPolicy;
    expect(log).toContain(`escalation policy ${String(summary.reason)} on 420 labelled answers`);
    expect(summary.history_examples).toBe(420);
    const primary = (await rig.models.list({ detectorId })).find((v) => v.kind === 'primary')!;
    expect(primary.metrics).toMatchObject({ escalation_policy: { reason: summary.reason } });
    const pkg = await getPackage(rig.blobs, primary.blobKey);
    // Shirts vs their look-alikes is hard: the answers the threshold escalates are wrong 25–50% of the time,
    // far above r* (the threshold's own kept error), so no rescue can be certified and none ships. The fit's
    // numbers say so.
    expect(summary.reason).toBe('NOT_CERTIFIED');
    expect(summary.target_risk).toBeGreaterThan(0);
    expect(pkg.metadata.escalation_policy).toBeUndefined();
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
