/**
 * The per-detector learning choices (`reasoning`, `escalation_policy`): defaults, set at creation and by PATCH
 * over REST and GraphQL, reset to the default, and refused (400/BAD_REQUEST, nothing changed) when unknown.
 * Real server, real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
