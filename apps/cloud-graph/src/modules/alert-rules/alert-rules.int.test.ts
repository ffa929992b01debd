/**
 * Alert rules on a real cloud (PostgreSQL): Groundlight's actions routes, validation as 400s, roles, hub
 * scope, GraphQL, and an edge's alert report announced once on `alertFired`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, gql, startCloudForTests, type TestCloud } from '../../../test/support/test-cloud';
import { subscribeWs } from '../../../test/helpers/ws';

let t: TestCloud;
let call: ReturnType<typeof api>;
let detectorId: string;
let otherDetectorId: string;

const rule = {
  name: 'Door open',
  condition: { verb: 'ANSWERED_CONSECUTIVELY', parameters: { num_consecutive_labels: 2, label: 'YES' } },
  snooze_time_enabled: true,
  snooze_time_value: 5,
  snooze_time_unit: 'MINUTES',
  webhook_action: [
    {
      url: 'http://127.0.0.1:9/hook',
      include_image: true,
      payload_template: { template: '{"text": "{{ detector_name }}: {{ label }}"}', headers: { 'x-k': 'v' } },
    },
  ],
};

async function newDetector(name: string): Promise<string> {
  const res = await call('/v1/detectors', {
    method: 'POST',
    token: t.tokens.admin,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, query: 'Is the door open?', confidence_threshold: 0.8 }),
  });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

const post = (path: string, body: unknown, token = t.tokens.admin) =>
  call(path, {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  t = await startCloudForTests();
  call = api(t.url);
  detectorId = await newDetector('alerts door');
  otherDetectorId = await newDetector('alerts other');
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('actions REST', () => {
  it('creates, lists, reads, patches and deletes a rule in Groundlight’s shape', async () => {
    const created = await post(`/device-api/v1/actions/detector/${detectorId}/rules`, rule);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      detector_id: detectorId,
      detector_name: 'alerts door',
      name: 'Door open',
      enabled: true,
      human_review_required: false,
      action: [],
      snooze_time_unit: 'MINUTES',
      webhook_action: [{ url: 'http://127.0.0.1:9/hook', include_image: true }],
    });
    expect(Number.isInteger(created.json.id)).toBe(true);
    const id = created.json.id as number;

    const perDetector = await call(`/v1/actions/detector/${detectorId}/rules`, { token: t.tokens.hub });
    expect(perDetector.json).toMatchObject({ count: 1, results: [{ id }] });

    await post(`/v1/actions/detector/${otherDetectorId}/rules`, { ...rule, name: 'Other' });
    const page = await call('/v1/actions/rules?page=1&page_size=1', { token: t.tokens.reviewer });
    expect(page.json).toMatchObject({ count: 2, previous: null, results: [{ id }] });
    expect(page.json.next).toContain('page=2');

    const patched = await call(`/v1/actions/rules/${id}`, {
      method: 'PATCH',
      token: t.tokens.admin,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    });
    expect(patched.json).toMatchObject({ id, enabled: false, name: 'Door open' });
    expect((await call(`/v1/actions/rules/${id}`, { token: t.tokens.admin })).json.enabled).toBe(false);

    expect((await call(`/v1/actions/rules/${id}`, { method: 'DELETE', token: t.tokens.admin })).status).toBe(
      204,
    );
    const gone = await call(`/v1/actions/rules/${id}`, { token: t.tokens.admin });
    expect(gone.status).toBe(404);
    expect(gone.json.detail).toContain(String(id));
  });

  it.each([
    ['an unknown verb', { ...rule, condition: { verb: 'SOMETIMES', parameters: {} } }, 'condition'],
    ['a missing name', { condition: rule.condition }, 'name'],
    ['a non-http webhook', { ...rule, webhook_action: [{ url: 'ftp://x/y' }] }, 'webhook_action'],
    ['an unknown field', { ...rule, colour: 'red' }, ''],
  ])('answers 400 with a detail for %s', async (_, body, field) => {
    const res = await post(`/v1/actions/detector/${detectorId}/rules`, body);
    expect(res.status).toBe(400);
    expect(res.json.detail).toContain(field);
  });

  it('answers 404 for an unknown detector or rule id, 401 without a token, 403 for a non-admin write', async () => {
    expect((await post('/v1/actions/detector/det_nope/rules', rule)).status).toBe(404);
    expect((await call('/v1/actions/rules/abc', { token: t.tokens.admin })).status).toBe(404);
    expect((await call('/v1/actions/rules/99999', { token: t.tokens.admin })).status).toBe(404);
    expect((await call('/v1/actions/rules')).status).toBe(401);
    expect((await post(`/v1/actions/detector/${detectorId}/rules`, rule, t.tokens.reviewer)).status).toBe(
      403,
    );
    expect((await post(`/v1/actions/detector/${detectorId}/rules`, rule, t.tokens.hub)).status).toBe(403);
  });
});

describe('GraphQL and the live notification', () => {
  it('creates and lists rules through GraphQL with typed errors', async () => {
    const q = gql(t.url);
    const created = await q(
      `mutation($d: ID!, $r: AlertRuleInput!) { createAlertRule(detectorId: $d, rule: $r) {
         ok error { code } rule { id name verb parameters snoozeTimeUnit webhookActions { url includeImage } } } }`,
      {
        d: detectorId,
        r: {
          name: 'gql rule',
          verb: 'CHANGED_TO',
          parameters: { label: 'YES' },
          webhookActions: [{ url: 'http://127.0.0.1:9/x', includeImage: false }],
        },
      },
    );
    expect(created.body.data.createAlertRule).toMatchObject({
      ok: true,
      rule: { name: 'gql rule', verb: 'CHANGED_TO', parameters: { label: 'YES' }, snoozeTimeUnit: 'SECONDS' },
    });
    const bad = await q(
      `mutation($d: ID!) { createAlertRule(detectorId: $d, rule: {name: "x", verb: CHANGED_TO, parameters: {}}) { ok error { code } } }`,
      { d: detectorId },
    );
    expect(bad.body.data.createAlertRule).toEqual({ ok: false, error: { code: 'BAD_REQUEST' } });
    const listed = await q(`query($d: ID!) { alertRules(detectorId: $d) { name } }`, { d: detectorId });
    const names = (listed.body.data.alertRules as { name: string }[]).map((r) => r.name);
    expect(names).toContain('gql rule');
  });

  it('announces an edge’s alert once on alertFired, however often the edge reports it', async () => {
    const sub = await subscribeWs<{ alertFired: { alertId: string; detectorId: string; label: string } }>(
      t.url,
      t.tokens.reviewer,
      'subscription($d: [ID!]) { alertFired(detectorIds: $d) { alertId detectorId label verb firedAt } }',
      { d: [detectorId] },
    );
    const event = {
      alert_id: 'alr_test_1',
      rule_id: 1,
      rule_name: 'Door open',
      detector_id: detectorId,
      detector_name: 'alerts door',
      verb: 'CHANGED_TO',
      image_query_id: 'iq_x',
      label: 'YES',
      confidence: 0.93,
      fired_at: new Date().toISOString(),
      source: 'test-hub',
      message: 'Door open: YES',
    };
    expect(
      (
        await post(
          '/v1/actions/alerts',
          { ...event, alert_id: 'alr_test_other', detector_id: otherDetectorId },
          t.tokens.hub,
        )
      ).status,
    ).toBe(201);
    expect((await post('/v1/actions/alerts', event, t.tokens.hub)).status).toBe(201);
    expect((await post('/v1/actions/alerts', event, t.tokens.hub)).status).toBe(200);
    expect((await sub.next()).alertFired).toMatchObject({ alertId: 'alr_test_1', label: 'YES' });
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.events).toHaveLength(0);
    await sub.stop();
    const recent = await gql(t.url)('{ recentAlerts { alertId } }');
    const ids = (recent.body.data.recentAlerts as { alertId: string }[]).map((a) => a.alertId);
    expect(ids).toContain('alr_test_1');
    expect((await post('/v1/actions/alerts', { alert_id: 'x' }, t.tokens.hub)).status).toBe(400);
    expect((await post('/v1/actions/alerts', event, t.tokens.reviewer)).status).toBe(403);
  });
});
