/**
 * The review UI end to end: real cloud-graph + PostgreSQL, the production build in Debian's Chromium.
 * Screenshots of every page at 1366 and 768 px go to apps/review-ui/test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { VIEWPORTS, makeJpeg, screenshot, signedInPage, startHarness, type Harness } from './harness';

let h: Harness;
let scratch: Page;
const detectors = { rail: '', people: '', crates: '' };

async function createDetector(input: Record<string, unknown>): Promise<string> {
  const res = await h.gql(
    'mutation($input: CreateDetectorInput!) { createDetector(input: $input) { ok error { message } detector { id } } }',
    { input },
  );
  const id = (res.data?.createDetector as { detector: { id: string } | null } | undefined)?.detector?.id;
  if (!id) throw new Error(`createDetector failed: ${JSON.stringify(res)}`);
  return id;
}

let seed = 0;
/** An image query through the cloud's REST API, as an edge or SDK sends it; returns its id. */
async function submitImage(detectorId: string): Promise<string> {
  const jpeg = await makeJpeg(scratch, seed++);
  const res = await h.rest(`/device-api/v1/image-queries?detector_id=${encodeURIComponent(detectorId)}`, {
    method: 'POST',
    body: jpeg,
    contentType: 'image/jpeg',
  });
  expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
  return (res.json as { id: string }).id;
}

interface QueueRow {
  id: string;
  imageQueryId: string;
  state: string;
  claimedBy: string | null;
}

async function serverQueue(): Promise<QueueRow[]> {
  const res = await h.gql(
    '{ reviewQueue(first: 200) { edges { node { id imageQueryId state claimedBy } } } }',
  );
  const edges = (res.data?.reviewQueue as { edges: { node: QueueRow }[] } | undefined)?.edges ?? [];
  return edges.map((e) => e.node);
}

async function waitFor<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  ms = 10_000,
): Promise<T> {
  const until = Date.now() + ms;
  let last: T = await fn();
  while (!ok(last)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 150));
    last = await fn();
  }
  return last;
}

const currentId = (page: Page) => page.locator('li.item.current').getAttribute('data-id');

beforeAll(async () => {
  h = await startHarness();
  scratch = await (await h.browser.newContext()).newPage();
  detectors.rail = await createDetector({
    name: 'guard-rail',
    query: 'Is the guard rail closed?',
    mode: 'BINARY',
    confidenceThreshold: 0.9,
    patienceTime: 3600,
  });
  detectors.people = await createDetector({
    name: 'platform-people',
    query: 'How many people are on the platform?',
    mode: 'COUNT',
    modeConfiguration: { class_name: 'person', max_count: 20 },
    confidenceThreshold: 0.8,
    patienceTime: 3000,
  });
  detectors.crates = await createDetector({
    name: 'dock-crates',
    query: 'Where are the crates on the dock?',
    mode: 'BOUNDING_BOX',
    modeConfiguration: { class_name: 'crate', max_num_bboxes: 10 },
    confidenceThreshold: 0.8,
    patienceTime: 3000,
  });
});

afterAll(async () => {
  await h?.close();
});

describe('review UI against a real cloud-graph', () => {
  let reviewer: Page;

  it('signs in with a pasted token, refuses an unknown one, and keeps a reviewer to the queue', async () => {
    const context = await h.browser.newContext({ viewport: VIEWPORTS.laptop });
    reviewer = await context.newPage();
    await reviewer.goto(`${h.uiUrl}/#/queue`);
    await screenshot(reviewer, 'signin-1366');
    await reviewer.locator('#token').fill('io_notarealtoken00000000000000000000000000');
    await reviewer.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => reviewer.getByRole('alert').textContent()).toContain('does not know this token');
    expect(await reviewer.evaluate(() => localStorage.getItem('intellioptics.apiToken'))).toBeNull();

    await reviewer.locator('#token').fill(h.tokens.reviewer1);
    await reviewer.getByRole('button', { name: 'Sign in' }).click();
    await reviewer.getByText('The queue is empty').waitFor();
    expect(await reviewer.getByTestId('who').textContent()).toContain('reviewer1');
    expect(await reviewer.evaluate(() => localStorage.getItem('intellioptics.apiToken'))).toBe(
      h.tokens.reviewer1,
    );
    // A reviewer has no detectors or fleet in the navigation, and the pages say so.
    expect(await reviewer.getByRole('link', { name: 'Detectors', exact: true }).count()).toBe(0);
    await reviewer.goto(`${h.uiUrl}/#/fleet`);
    await reviewer.getByText('This page is for admins').waitFor();
    await reviewer.goto(`${h.uiUrl}/#/queue`);
    await reviewer.getByText('The queue is empty').waitFor();
    await screenshot(reviewer, 'queue-empty-1366');
  });

  it('shows an escalation created through REST in the open queue without a reload, and claims it', async () => {
    await reviewer.evaluate(() => {
      (window as unknown as { __noReload: boolean }).__noReload = true;
    });
    const iq = await submitImage(detectors.rail);
    await reviewer.locator('li.item').first().waitFor({ timeout: 5_000 });
    expect(await reviewer.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(
      true,
    );
    await expect.poll(() => reviewer.getByTestId('question').textContent()).toBe('Is the guard rail closed?');
    await expect.poll(() => reviewer.getByTestId('lease').textContent()).toMatch(/^yours/);
    const chips = await reviewer.getByTestId('chips').textContent();
    expect(chips).toContain('NO_MODEL');
    expect(chips).toContain('Deadline');
    const row = await waitFor(
      serverQueue,
      (rows) => rows.some((r) => r.imageQueryId === iq && r.state === 'CLAIMED'),
      'the claim',
    );
    expect(row.find((r) => r.imageQueryId === iq)?.claimedBy).toBe(h.users.reviewer1);
    await screenshot(reviewer, 'queue-item-1366');
    await reviewer.keyboard.press('?');
    await reviewer.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await screenshot(reviewer, 'queue-help-1366');
    await reviewer.keyboard.press('Escape');
    expect(await reviewer.getByRole('dialog').count()).toBe(0);
  });

  it('labels with the keyboard: Y answers the image query (REST shows source USER)', async () => {
    const id = await currentId(reviewer);
    const iq = (await serverQueue()).find((r) => r.id === id)?.imageQueryId;
    expect(iq).toBeTruthy();
    await reviewer.keyboard.press('y');
    await expect.poll(() => reviewer.getByTestId('notice').textContent()).toContain('Labelled YES');
    const res = await waitFor(
      () => h.rest(`/device-api/v1/image-queries/${iq}`),
      (r) => (r.json as { result?: { source?: string } }).result?.source === 'USER',
      'the human answer',
    );
    expect((res.json as { result: { label: string; confidence: number } }).result).toMatchObject({
      label: 'YES',
      confidence: 1,
    });
    await reviewer.getByText('The queue is empty').waitFor();
  });

  it('moves on when the open image is answered elsewhere (imageQueryUpdated)', async () => {
    const iq = await submitImage(detectors.rail);
    await expect.poll(() => reviewer.getByTestId('lease').textContent()).toMatch(/^yours/);
    // An admin may answer over a reviewer's claim.
    const res = await h.gql(
      'mutation($input: LabelImageQueryInput!) { labelImageQuery(input: $input) { ok error { message } } }',
      { input: { imageQueryId: iq, label: 'NO' } },
    );
    expect(res.data?.labelImageQuery).toMatchObject({ ok: true });
    await expect
      .poll(() => reviewer.getByTestId('notice').textContent())
      .toContain('answered elsewhere (USER: NO)');
    await reviewer.getByText('The queue is empty').waitFor();
  });

  it('labels a counting detector with digits + Enter', async () => {
    const iq = await submitImage(detectors.people);
    await expect
      .poll(() => reviewer.getByTestId('lease').textContent(), { timeout: 10_000 })
      .toMatch(/^yours/);
    await reviewer.keyboard.press('1');
    await reviewer.keyboard.press('2');
    await expect.poll(() => reviewer.getByTestId('count-readout').textContent()).toBe('12');
    await reviewer.keyboard.press('Enter');
    const res = await waitFor(
      () => h.rest(`/device-api/v1/image-queries/${iq}`),
      (r) => (r.json as { result?: { source?: string } }).result?.source === 'USER',
      'the count',
    );
    expect((res.json as { result: { count: number } }).result.count).toBe(12);
  });

  it('zooms the image and draws boxes for a bounding-box detector (normalised geometry reaches the cloud)', async () => {
    const iq = await submitImage(detectors.crates);
    await reviewer.goto(`${h.uiUrl}/#/queue?detector=${detectors.crates}`);
    await expect
      .poll(() => reviewer.getByTestId('question').textContent())
      .toBe('Where are the crates on the dock?');
    await expect.poll(() => reviewer.getByTestId('lease').textContent()).toMatch(/^yours/);
    const stage = reviewer.getByTestId('image-stage');
    await reviewer.locator('.viewer img').evaluate((img: HTMLImageElement) => img.decode());
    const box = (await stage.boundingBox())!;
    // Wheel zoom about the pointer, then back to 100% with 0.
    await reviewer.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await reviewer.mouse.wheel(0, -400);
    await expect
      .poll(async () => Number((await reviewer.locator('.viewer-zoom').textContent())?.replace('%', '')))
      .toBeGreaterThan(150);
    await reviewer.keyboard.press('0');
    await expect.poll(() => reviewer.locator('.viewer-zoom').textContent()).toBe('100%');
    // Drag a rectangle from 20%,30% to 60%,80% of the image.
    await reviewer.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.3);
    await reviewer.mouse.down();
    await reviewer.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5, { steps: 4 });
    await reviewer.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.8, { steps: 4 });
    await reviewer.mouse.up();
    await expect.poll(() => reviewer.getByTestId('box').count()).toBe(1);
    await screenshot(reviewer, 'queue-boxes-1366');
    await reviewer.keyboard.press('Enter');
    const res = await waitFor(
      () => h.rest(`/device-api/v1/image-queries/${iq}`),
      (r) => (r.json as { result?: { source?: string } }).result?.source === 'USER',
      'the boxes',
    );
    const body = res.json as {
      result: { label: string };
      rois: { label: string; geometry: { left: number; top: number; right: number; bottom: number } }[];
    };
    expect(body.result.label).toBe('BOUNDING_BOX');
    expect(body.rois).toHaveLength(1);
    expect(body.rois[0]!.label).toBe('crate');
    const g = body.rois[0]!.geometry;
    expect(g.left).toBeCloseTo(0.2, 1);
    expect(g.top).toBeCloseTo(0.3, 1);
    expect(g.right).toBeCloseTo(0.6, 1);
    expect(g.bottom).toBeCloseTo(0.8, 1);
    await reviewer.goto(`${h.uiUrl}/#/queue`);
    await reviewer.getByText('The queue is empty').waitFor();
  });

  it('never gives two reviewers the same item, and gives an item back when its reviewer leaves', async () => {
    const iqs = [
      await submitImage(detectors.rail),
      await submitImage(detectors.rail),
      await submitImage(detectors.rail),
    ];
    await expect.poll(() => reviewer.locator('li.item').count()).toBe(3);
    // The second reviewer opens the queue while the first already holds one item...
    const second = await signedInPage(h, h.tokens.reviewer2);
    await expect.poll(() => reviewer.getByTestId('lease').textContent()).toMatch(/^yours/);
    await expect.poll(() => second.getByTestId('lease').textContent()).toMatch(/^yours/);
    const a = await currentId(reviewer);
    const b = await currentId(second);
    expect(a).toBeTruthy();
    expect(b).toBeTruthy();
    expect(a).not.toBe(b);
    // ...and a third tab of another reviewer racing for the first free item at the same moment still differs.
    const claims = await waitFor(
      serverQueue,
      (rows) => rows.filter((r) => r.state === 'CLAIMED').length === 2,
      'two claims',
    );
    const holders = claims.filter((r) => r.state === 'CLAIMED');
    expect(new Set(holders.map((r) => r.claimedBy))).toEqual(new Set([h.users.reviewer1, h.users.reviewer2]));
    expect(holders.find((r) => r.id === a)?.claimedBy).toBe(h.users.reviewer1);
    expect(holders.find((r) => r.id === b)?.claimedBy).toBe(h.users.reviewer2);
    expect(iqs).toContain(holders.find((r) => r.id === b)?.imageQueryId);

    // Moving through the queue, the first reviewer may land on the item the second holds (its list is up to
    // 10 s old), but the claim is refused and the page moves on: the second reviewer keeps it.
    for (let i = 0; i < 3; i++) {
      await reviewer.keyboard.press('ArrowDown');
      await expect.poll(() => reviewer.getByTestId('lease').textContent()).toMatch(/^yours/);
      expect(await currentId(reviewer)).not.toBe(b);
    }
    expect((await serverQueue()).find((r) => r.id === b)?.claimedBy).toBe(h.users.reviewer2);
    await screenshot(second, 'queue-two-reviewers-1366');

    // Leaving (closing the tab) releases the claim.
    await second.context().close();
    await waitFor(
      serverQueue,
      (rows) => rows.find((r) => r.id === b)?.state === 'QUEUED',
      'the release of the closed tab',
    );
  });

  it('bulk-labels a selection', async () => {
    // The item the closed tab held is free again once this page's view of it refreshes.
    await expect
      .poll(() => reviewer.locator('li.item:not(.held)').count(), { timeout: 30_000, interval: 500 })
      .toBe(3);
    await reviewer.keyboard.press('Control+a');
    await reviewer.getByTestId('bulk-bar').waitFor();
    expect(await reviewer.getByTestId('bulk-bar').textContent()).toContain('3 selected');
    await reviewer.getByTestId('bulk-bar').getByRole('button', { name: 'NO' }).click();
    await expect
      .poll(() => reviewer.getByTestId('notice').textContent(), { timeout: 10_000 })
      .toContain('Labelled 3 items NO');
    await waitFor(serverQueue, (rows) => rows.length === 0, 'an empty queue');
  });

  it('creates a detector from the form', async () => {
    const admin = await signedInPage(h, h.tokens.admin, VIEWPORTS.laptop, '#/detectors/new');
    await admin.locator('#f-name').fill('belt-colour');
    await admin.locator('#f-query').fill('Which colour is the belt?');
    await admin.locator('#f-mode').selectOption('MULTI_CLASS');
    await admin.locator('#f-classNames').fill('red, green, blue');
    await admin.getByRole('button', { name: 'Create detector' }).click();
    await admin.getByRole('heading', { name: 'belt-colour' }).waitFor();
    const id = decodeURIComponent(new URL(admin.url()).hash.replace('#/detectors/', ''));
    const rest = await h.rest(`/device-api/v1/detectors/${id}`);
    expect(rest.json).toMatchObject({
      name: 'belt-colour',
      query: 'Which colour is the belt?',
      mode: 'MULTI_CLASS',
      mode_configuration: { class_names: ['red', 'green', 'blue'] },
    });
    await admin.context().close();
  });

  it("persists a detector's threshold edit", async () => {
    const admin = await signedInPage(h, h.tokens.admin, VIEWPORTS.laptop, `#/detectors/${detectors.rail}`);
    const field = admin.locator('#f-confidenceThreshold');
    await expect.poll(() => field.inputValue()).toBe('0.9');
    await field.fill('0.75');
    await admin.locator('#f-patienceTime').fill('1800');
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => admin.getByTestId('form-message').textContent()).toBe('Saved.');
    const rest = await h.rest(`/device-api/v1/detectors/${detectors.rail}`);
    expect(rest.json).toMatchObject({ confidence_threshold: 0.75, patience_time: 1800 });
    await admin.reload();
    await expect.poll(() => admin.locator('#f-confidenceThreshold').inputValue()).toBe('0.75');
    // A bad value is caught before a round trip.
    await admin.locator('#f-confidenceThreshold').fill('7');
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.getByText('A number from 0 to 1').waitFor();
    await admin.context().close();
  });

  it('shows model versions with a chart and rolls back to an earlier version', async () => {
    const ids: string[] = [];
    for (const [acc, esc] of [
      [0.82, 0.31],
      [0.9, 0.22],
      [0.87, 0.25],
    ]) {
      const res = await h.gql(
        'mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { ok modelVersion { id } error { message } } }',
        {
          input: {
            detectorId: detectors.rail,
            kind: 'primary',
            packageBase64: Buffer.from(`model-${acc}`).toString('base64'),
            metrics: { held_out_accuracy: acc, escalation_rate: esc, held_out_examples: 40 },
          },
        },
      );
      const id = (res.data?.createModelVersion as { modelVersion: { id: string } } | undefined)?.modelVersion
        .id;
      expect(id, JSON.stringify(res)).toBeTruthy();
      ids.push(id!);
      await h.gql('mutation($id: ID!) { publishModelVersion(id: $id) { ok } }', { id });
    }
    const admin = await signedInPage(h, h.tokens.admin, VIEWPORTS.laptop, `#/detectors/${detectors.rail}`);
    await admin.getByTestId('versions-table').waitFor();
    expect(await admin.locator('.chart svg circle').count()).toBe(6);
    await admin.getByRole('button', { name: 'Roll back to v2' }).click();
    await admin.getByText('Rolled back primary to version 2').waitFor();
    const versions = await h.gql('query($d: ID!) { modelVersions(detectorId: $d) { id number state } }', {
      d: detectors.rail,
    });
    const rows = versions.data?.modelVersions as { number: number; state: string }[];
    expect(rows.find((r) => r.number === 2)?.state).toBe('PUBLISHED');
    expect(rows.find((r) => r.number === 3)?.state).toBe('RETIRED');
    await admin.context().close();
  });

  it('shows the Escalations section and round-trips the reasoning head and escalation policy', async () => {
    const id = await createDetector({
      name: 'door-open',
      query: 'Is the door open?',
      mode: 'BINARY',
      reasoning: 'AUTO',
      escalationPolicy: 'LEARNED',
    });
    const fit = {
      reason: 'NOT_BETTER',
      history_examples: 240,
      target_risk: 0.05,
      risk_threshold: 0.2,
      held_out: {
        examples: 120,
        escalation_rate_threshold: 0.4,
        escalation_rate_policy: 0.3,
        edge_error_threshold: 0.05,
        edge_error_policy: 0.06,
        aurc_confidence: 0.03,
        aurc_policy: 0.035,
        won: false,
      },
    };
    const created = await h.gql(
      'mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { ok modelVersion { id } } }',
      {
        input: {
          detectorId: id,
          kind: 'primary',
          packageBase64: Buffer.from('model-policy').toString('base64'),
          metrics: { held_out_accuracy: 0.9, escalation_policy: fit },
        },
      },
    );
    const versionId = (created.data?.createModelVersion as { modelVersion: { id: string } }).modelVersion.id;
    await h.gql('mutation($id: ID!) { publishModelVersion(id: $id) { ok } }', { id: versionId });

    const admin = await signedInPage(h, h.tokens.admin, VIEWPORTS.laptop, `#/detectors/${id}`);
    const section = admin.getByTestId('escalations');
    await section.waitFor();
    // A fresh detector has no edge traffic: every estimate is "—" with the hint to turn audits on.
    expect(await admin.getByTestId('escalations-threshold').textContent()).toContain(
      'no audits yet: set confident_audit_rate at the edge',
    );
    expect(await admin.getByTestId('escalations-learned').textContent()).toContain('—');
    expect(await admin.getByTestId('policy-held-out').textContent()).toContain('40.0% → 30.0%');
    expect(await admin.getByTestId('policy-fit').textContent()).toContain('did not win');
    expect(await admin.locator('#f-reasoning').inputValue()).toBe('AUTO');
    expect(await admin.locator('#f-escalationPolicy').inputValue()).toBe('LEARNED');
    const applied = admin.getByTestId('policy-applied');
    expect(await applied.textContent()).toContain('the learned policy: the detector is set to Learned');
    await section.scrollIntoViewIfNeeded();
    await screenshot(admin, 'detector-escalations-1366');

    const save = async () => {
      await admin.getByRole('button', { name: 'Save changes' }).click();
      await expect.poll(() => admin.getByTestId('form-message').textContent()).toBe('Saved.');
    };
    // Default: the shipped policy did not win on held-out data, so the edge keeps the threshold.
    await admin.locator('#f-escalationPolicy').selectOption('DEFAULT');
    await save();
    expect((await h.rest(`/device-api/v1/detectors/${id}`)).json).toMatchObject({
      escalation_policy: null,
      reasoning: 'auto',
    });
    await expect
      .poll(() => applied.textContent())
      .toContain('the threshold policy: the learned policy did not win');

    await admin.locator('#f-escalationPolicy').selectOption('THRESHOLD');
    await admin.locator('#f-reasoning').selectOption('LINEAR');
    await save();
    expect((await h.rest(`/device-api/v1/detectors/${id}`)).json).toMatchObject({
      escalation_policy: 'threshold',
      reasoning: 'linear',
    });
    await admin.reload();
    await expect.poll(() => admin.locator('#f-escalationPolicy').inputValue()).toBe('THRESHOLD');
    expect(await admin.locator('#f-reasoning').inputValue()).toBe('LINEAR');
    expect(await admin.getByTestId('policy-applied').textContent()).toContain('set to Threshold');
    await admin.context().close();
  });

  it('updates the fleet live from hub heartbeats', async () => {
    const admin = await signedInPage(h, h.tokens.admin, VIEWPORTS.laptop, '#/fleet');
    await admin.getByText('line-3-edge').waitFor();
    await expect.poll(() => admin.getByTestId('hubs').textContent()).toContain('offline');
    const beat = (iqs: number, esc: number, latency: number) =>
      h.gql(
        'mutation($input: HubHeartbeatInput!) { hubHeartbeat(input: $input) { ok error { message } } }',
        {
          input: {
            servedDetectors: [{ detectorId: detectors.rail, primaryVersion: 2, ooddVersion: 1 }],
            counters: {
              edge_image_queries_total: iqs,
              edge_escalations_total: esc,
              latency_ms_p50: latency,
              outbox_pending: 0,
            },
          },
        },
        h.tokens.hub,
      );
    await beat(100, 20, 14);
    await expect.poll(() => admin.getByTestId('hubs').textContent()).toContain('guard-rail');
    await expect.poll(() => admin.getByTestId('hubs').textContent()).toContain('online');
    await new Promise((r) => setTimeout(r, 1100));
    await beat(300, 30, 11);
    await expect.poll(() => admin.getByTestId('hubs').textContent()).toContain('11 ms');
    expect(await admin.locator('.hub-charts circle').count()).toBeGreaterThanOrEqual(4);
    expect(await admin.getByTestId('dead-letter-count').textContent()).toBe('0');
    // The edge's dead letters ride on its heartbeat; the hub's card lists them.
    const since = new Date(Date.now() - 60_000).toISOString();
    const dead = await h.gql(
      'mutation($input: HubHeartbeatInput!) { hubHeartbeat(input: $input) { ok error { message } } }',
      {
        input: {
          servedDetectors: [{ detectorId: detectors.rail, primaryVersion: 2, ooddVersion: 1 }],
          counters: { edge_image_queries_total: 300, edge_escalations_total: 30, outbox_pending: 0 },
          deadLetters: {
            count: 3,
            items: [{ id: 'iq_deadletter1', detectorId: detectors.rail, cause: 'MAX_ATTEMPTS', since }],
          },
        },
      },
      h.tokens.hub,
    );
    expect(dead.data?.hubHeartbeat).toMatchObject({ ok: true });
    await admin.reload();
    await expect.poll(() => admin.getByTestId('dead-letter-count').textContent()).toBe('3');
    expect(await admin.getByTestId('dead-letters').textContent()).toContain(
      'iq_deadletter1guard-rail · MAX_ATTEMPTS',
    );
    // The hub's detector scope: every detector until an admin assigns some.
    expect(await admin.getByTestId('hub-scope').textContent()).toBe('Sees every detector (no assignment)');
    const assign = (ids: string[] | null) =>
      h.gql('mutation($h: ID!, $d: [ID!]) { setHubDetectors(hubId: $h, detectorIds: $d) { ok } }', {
        h: h.hubId,
        d: ids,
      });
    expect((await assign([detectors.rail])).data).toEqual({ setHubDetectors: { ok: true } });
    await admin.reload();
    await expect.poll(() => admin.getByTestId('hub-scope').textContent()).toMatch(/^Limited to guard-rail/);
    await assign(null);
    await admin.context().close();
  });

  it('renders every page at laptop and tablet widths (screenshots)', async () => {
    await submitImage(detectors.rail);
    await submitImage(detectors.people);
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const w = viewport.width;
      const admin = await signedInPage(h, h.tokens.admin, viewport);
      await expect.poll(() => admin.getByTestId('lease').textContent()).toMatch(/^yours/);
      await admin.locator('.viewer img').evaluate((img: HTMLImageElement) => img.decode());
      await screenshot(admin, `queue-${w}`);
      await admin.goto(`${h.uiUrl}/#/detectors`);
      await admin.getByTestId('detectors-table').waitFor();
      await screenshot(admin, `detectors-${w}`);
      await admin.goto(`${h.uiUrl}/#/detectors/${detectors.rail}`);
      await admin.getByTestId('versions-table').waitFor();
      await admin.getByTestId('recent-iqs').waitFor();
      await screenshot(admin, `detector-${w}`);
      await admin.goto(`${h.uiUrl}/#/detectors/new`);
      await admin.locator('#f-name').waitFor();
      await screenshot(admin, `detector-new-${w}`);
      await admin.goto(`${h.uiUrl}/#/fleet`);
      await admin.getByTestId('hubs').waitFor();
      await screenshot(admin, `fleet-${w}`);
      // Nothing may overflow the viewport sideways at this width.
      const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} page wider than the viewport`).toBeLessThanOrEqual(0);
      await admin.context().close();
    }
    const tablet = await (await h.browser.newContext({ viewport: VIEWPORTS.tablet })).newPage();
    await tablet.goto(`${h.uiUrl}/`);
    await tablet.locator('#token').waitFor();
    await screenshot(tablet, 'signin-768');
    await tablet.context().close();
  });
});
