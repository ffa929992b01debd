/**
 * The per-detector learning choices (`reasoning`, `escalation_policy`): defaults, set at creation and by PATCH
 * over REST and GraphQL, reset to the default, and refused (400/BAD_REQUEST, nothing changed) when unknown.
 * Real server, real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMetadata } from '@intellioptics/schema';
import { tinyJpeg } from './support/images';
import { api, gql, startCloudForTests, type TestCloud } from './support/test-cloud';

let t: TestCloud;
const json = (body: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

beforeAll(async () => {
  t = await startCloudForTests();
});
afterAll(async () => {
  await t?.close();
});

describe('detector settings over REST', () => {
  it('defaults to the linear head and no fixed escalation policy', async () => {
    const r = await api(t.url)('/device-api/v1/detectors', {
      method: 'POST',
      token: t.tokens.admin,
      ...json({ name: 'settings-default', query: 'Is the door open?' }),
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ reasoning: 'linear', escalation_policy: null });
  });

  it('takes both at creation and by PATCH, and null resets the policy', async () => {
    const created = await api(t.url)('/device-api/v1/detectors', {
      method: 'POST',
      token: t.tokens.admin,
      ...json({
        name: 'settings-set',
        query: 'Same kind?',
        reasoning: 'auto',
        escalation_policy: 'threshold',
      }),
    });
    expect(created.json).toMatchObject({ reasoning: 'auto', escalation_policy: 'threshold' });
    const id = created.json.id as string;
    const patch = (body: unknown) =>
      api(t.url)(`/device-api/v1/detectors/${id}`, { method: 'PATCH', token: t.tokens.admin, ...json(body) });
    expect((await patch({ reasoning: 'recursive', escalation_policy: 'learned' })).json).toMatchObject({
      reasoning: 'recursive',
      escalation_policy: 'learned',
    });
    expect((await patch({ escalation_policy: null })).json).toMatchObject({
      reasoning: 'recursive',
      escalation_policy: null,
    });
    const bad = await patch({ reasoning: 'deep' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.detail)).toContain('reasoning');
    const read = await api(t.url)(`/device-api/v1/detectors/${id}`, { token: t.tokens.admin });
    expect(read.json).toMatchObject({ reasoning: 'recursive', escalation_policy: null });
  });
});

describe('detector settings over GraphQL', () => {
  const FIELDS = 'ok error { code message } detector { id reasoning escalationPolicy }';
  it('sets, reads and resets them, with typed enums', async () => {
    const created = await gql(t.url)(
      `mutation { createDetector(input: { name: "settings-gql", query: "Left of?", reasoning: RECURSIVE }) { ${FIELDS} } }`,
    );
    const payload = created.body.data.createDetector;
    expect(payload).toMatchObject({ ok: true, detector: { reasoning: 'RECURSIVE', escalationPolicy: null } });
    const id = payload.detector.id as string;
    const update = (input: string) =>
      gql(t.url)(`mutation($id: ID!) { updateDetector(id: $id, input: { ${input} }) { ${FIELDS} } }`, { id });
    expect(
      (await update('escalationPolicy: LEARNED, reasoning: AUTO')).body.data.updateDetector.detector,
    ).toEqual({
      id,
      reasoning: 'AUTO',
      escalationPolicy: 'LEARNED',
    });
    expect((await update('resetEscalationPolicy: true')).body.data.updateDetector.detector).toEqual({
      id,
      reasoning: 'AUTO',
      escalationPolicy: null,
    });
    const bad = await update('reasoning: DEEP');
    expect(bad.body.errors?.[0]?.message).toMatch(/DEEP/);
  });

  it('refuses a reviewer', async () => {
    const r = await gql(t.url)(
      `mutation { createDetector(input: { name: "settings-reviewer", query: "q", reasoning: AUTO }) { ${FIELDS} } }`,
      {},
      t.tokens.reviewer,
    );
    expect(r.body.data?.createDetector ?? null).toBeNull();
    expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('escalation statistics for the detector page', () => {
  it('estimates threshold vs learned-policy escalations from the edge metadata and the labels', async () => {
    const created = await api(t.url)('/device-api/v1/detectors', {
      method: 'POST',
      token: t.tokens.admin,
      ...json({ name: 'settings-stats', query: 'Is the gate shut?' }),
    });
    const id = created.json.id as string;
    const edgeResult = (classIndex: number) => ({ class_index: classIndex, raw_primary_confidence: 0.7 });
    /** An image query as the edge sends it, then (optionally) the reviewer's label. */
    const sent = async (metadata: Record<string, unknown>, label: string | null) => {
      const r = await api(t.url)(
        `/device-api/v1/image-queries?detector_id=${id}&metadata=${encodeMetadata(metadata)}`,
        { method: 'POST', token: t.tokens.hub, headers: { 'content-type': 'image/jpeg' }, body: tinyJpeg() },
      );
      expect(r.status, r.text).toBeLessThan(300);
      if (label === null) return;
      const l = await api(t.url)('/device-api/v1/labels', {
        method: 'POST',
        token: t.tokens.reviewer,
        ...json({ label, image_query_id: r.json.id, rois: null }),
      });
      expect(l.status, l.text).toBe(201);
    };
    // Threshold: 2 escalations (one the edge had right), 1 audit at 25% (right).
    await sent({ reason: 'BELOW_THRESHOLD', edge_result: edgeResult(0) }, 'YES');
    await sent({ reason: 'OUT_OF_DOMAIN', edge_result: edgeResult(0) }, 'NO');
    await sent({ reason: 'AUDIT', is_edge_audit: true, audit_rate: 0.25, edge_result: edgeResult(1) }, 'NO');
    // Learned policy: 1 escalation (edge wrong), 1 audit at 25% (right), 1 caller query (not the edge's).
    await sent({ reason: 'POLICY_RISK', learned_policy: true, edge_result: edgeResult(1) }, 'YES');
    await sent(
      {
        reason: 'AUDIT',
        is_edge_audit: true,
        audit_rate: 0.25,
        learned_policy: true,
        edge_result: edgeResult(0),
      },
      'YES',
    );
    await sent({ site: 'A' }, 'YES');

    const FIELDS = 'escalations audits estimatedAnswers escalationRate falseEscalationRate edgeAccuracy';
    const res = await gql(t.url)(
      `query($id: ID!) { detector(id: $id) { escalationStats(days: 7) { threshold { ${FIELDS} } learnedPolicy { ${FIELDS} } } } }`,
      { id },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.detector.escalationStats).toEqual({
      threshold: {
        escalations: 2,
        audits: 1,
        estimatedAnswers: 6,
        escalationRate: 2 / 6,
        falseEscalationRate: (2 * 0.5) / 6,
        edgeAccuracy: 1,
      },
      learnedPolicy: {
        escalations: 1,
        audits: 1,
        estimatedAnswers: 5,
        escalationRate: 1 / 5,
        falseEscalationRate: 0,
        edgeAccuracy: 1,
      },
    });
  });
});
