/**
 * Alerts and compound detectors in the review UI end to end (#16): a real cloud-graph + PostgreSQL, the
 * production build in Debian's Chromium (harness.ts). An edge reports a firing of an alert rule through the
 * cloud's REST API (`POST /device-api/v1/actions/alerts`, as the edge's outbox does); the cloud announces it
 * on `alertFired` and every signed-in page shows it once, however often the edge retries the report. An admin
 * builds a compound detector's rule from two detectors in the form and reads it back on its page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWPORTS, makeJpeg, screenshot, signedInPage, startHarness, type Harness } from './harness';

let h: Harness;
let detector = '';
let helmet = '';
let ruleId = 0;
let iq = '';

beforeAll(async () => {
  h = await startHarness();
  const created = await h.gql(
    'mutation($input: CreateDetectorInput!) { createDetector(input: $input) { ok detector { id } } }',
    { input: { name: 'loading-door', query: 'Is the loading door open?', mode: 'BINARY' } },
  );
  detector = (created.data?.createDetector as { detector: { id: string } }).detector.id;
  const second = await h.gql(
    'mutation($input: CreateDetectorInput!) { createDetector(input: $input) { ok detector { id } } }',
    { input: { name: 'helmet-missing', query: 'Is someone without a helmet?', mode: 'BINARY' } },
  );
  helmet = (second.data?.createDetector as { detector: { id: string } }).detector.id;
  const assigned = await h.gql(
    'mutation($hub: ID!, $ids: [ID!]) { setHubDetectors(hubId: $hub, detectorIds: $ids) { ok } }',
    { hub: h.hubId, ids: [detector] },
  );
  expect(assigned.data?.setHubDetectors).toEqual({ ok: true });
  const rule = await h.gql(
    'mutation($d: ID!, $r: AlertRuleInput!) { createAlertRule(detectorId: $d, rule: $r) { ok error { message } rule { id } } }',
    { d: detector, r: { name: 'Door left open', verb: 'CHANGED_TO', parameters: { label: 'YES' } } },
  );
  ruleId = (rule.data?.createAlertRule as { rule: { id: number } }).rule.id;
  const scratch = await (await h.browser.newContext()).newPage();
  const res = await h.rest(`/device-api/v1/image-queries?detector_id=${encodeURIComponent(detector)}`, {
    method: 'POST',
    body: await makeJpeg(scratch, 7),
    contentType: 'image/jpeg',
    token: h.tokens.hub,
  });
  iq = (res.json as { id: string }).id;
  await scratch.context().close();
});

afterAll(async () => {
  await h?.close();
});

async function report(alertId: string): Promise<number> {
  const body = {
    alert_id: alertId,
    rule_id: ruleId,
    rule_name: 'Door left open',
    detector_id: detector,
    detector_name: 'loading-door',
    verb: 'CHANGED_TO',
    image_query_id: iq,
    label: 'YES',
    confidence: 0.94,
    fired_at: new Date().toISOString(),
    source: 'line-3-edge',
    message: 'Door left open: the loading door is open (YES)',
  };
  const res = await h.rest('/device-api/v1/actions/alerts', {
    method: 'POST',
    token: h.tokens.hub,
    body: new Uint8Array(Buffer.from(JSON.stringify(body))),
    contentType: 'application/json',
  });
  return res.status;
}

describe('live alert notifications', () => {
  it('shows a fired alert once on an open page, links to its image, and dismisses', async () => {
    const reviewer = await signedInPage(h, h.tokens.reviewer1, VIEWPORTS.laptop);
    // The page is live before the alert fires (the subscription opens with the session).
    await reviewer.getByText('Live', { exact: true }).waitFor();
    expect(await reviewer.getByTestId('alert-toast').count()).toBe(0);

    expect(await report('alr_e2e_1')).toBe(201);
    expect(await report('alr_e2e_1')).toBe(200); // the edge retried: stored and announced once
    const toast = reviewer.getByTestId('alert-toast');
    await toast.waitFor();
    const text = await toast.textContent();
    expect(text).toContain('Door left open');
    expect(text).toContain('the loading door is open (YES)');
    expect(text).toContain('loading-door · changed to YES (94%)');
    await new Promise((r) => setTimeout(r, 500));
    expect(await toast.count()).toBe(1);
    await screenshot(reviewer, 'alert-toast-1366');

    await toast.getByRole('link', { name: 'Open the image' }).click();
    await expect.poll(() => reviewer.evaluate(() => window.location.hash)).toBe(`#/image-queries/${iq}`);
    await reviewer.getByTestId('iq-page').waitFor();
    // The toast stays across pages until dismissed.
    await reviewer.getByRole('button', { name: 'Dismiss alert' }).click();
    await toast.waitFor({ state: 'detached' });

    // A second firing is a new alert.
    expect(await report('alr_e2e_2')).toBe(201);
    await expect.poll(() => reviewer.getByTestId('alert-toast').getAttribute('data-id')).toBe('alr_e2e_2');
    await reviewer.context().close();
  });

  it("lists a detector's alert rules on its page", async () => {
    const admin = await signedInPage(h, h.tokens.admin, VIEWPORTS.laptop, `#/detectors/${detector}`);
    const table = admin.getByTestId('alert-rules');
    await table.waitFor();
    const text = await table.textContent();
    expect(text).toContain('Door left open');
    expect(text).toContain('changed to {"label":"YES"}');
    expect(text).toContain('enabled');
    await admin.context().close();
  });
});

describe('compound detectors', () => {
  it("builds a rule from two detectors, shows the cloud's error for a bad one, and reads it back", async () => {
    const admin = await signedInPage(h, h.tokens.admin, VIEWPORTS.laptop, '#/detectors/new');
    const form = admin.getByRole('form', { name: 'New compound detector' });
    await form.getByLabel('Name').fill('door-open-no-helmet');
    await form.getByLabel('Question').fill('Is the door open with someone without a helmet?');
    // A rule over a detector that does not exist: the cloud refuses it and the form says why.
    await form
      .getByLabel('Rule')
      .fill('{"all": [{"detector": "det_doesnotexist000000000000", "label": "YES"}]}');
    await form.getByRole('button', { name: 'Create compound detector' }).click();
    await expect.poll(() => admin.getByTestId('compound-error').textContent()).toMatch(/det_doesnotexist/);
    await form.getByLabel('Rule').fill('');
    expect(await admin.getByTestId('compound-error').count()).toBe(0);
    for (const id of [detector, helmet]) {
      await form.getByLabel('Add a detector').selectOption(id);
      await form.getByRole('button', { name: 'Add to the rule' }).click();
    }
    const preview = ['all of:', 'loading-door is YES', 'helmet-missing is YES'];
    expect(await form.getByTestId('rule-view').locator('li').allTextContents()).toEqual(preview);
    await screenshot(admin, 'compound-form-1366');
    await form.getByRole('button', { name: 'Create compound detector' }).click();
    await admin.getByRole('heading', { name: 'door-open-no-helmet' }).waitFor();
    const id = decodeURIComponent((await admin.evaluate(() => window.location.hash)).split('/')[2]!);
    expect(await admin.getByTestId('rule-view').locator('li').allTextContents()).toEqual(preview);
    const stored = await h.gql('query($id: ID!) { detector(id: $id) { mode rule } }', { id });
    expect(stored.data?.detector).toEqual({
      mode: 'BINARY',
      rule: {
        all: [
          { detector, label: 'YES' },
          { detector: helmet, label: 'YES' },
        ],
      },
    });
    await screenshot(admin, 'compound-detector-1366');
    await admin.context().close();
  });
});
