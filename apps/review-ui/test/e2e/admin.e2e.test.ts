/**
 * Admin pages and box/text review end to end: a real cloud-graph + PostgreSQL, the production build in
 * Debian's Chromium (see harness.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { VIEWPORTS, makeJpeg, screenshot, signedInPage, startHarness, type Harness } from './harness';

let h: Harness;
let scratch: Page;

async function createDetector(input: Record<string, unknown>): Promise<string> {
  const res = await h.gql(
    'mutation($input: CreateDetectorInput!) { createDetector(input: $input) { ok detector { id } } }',
    { input },
  );
  const id = (res.data?.createDetector as { detector: { id: string } | null } | undefined)?.detector?.id;
  if (!id) throw new Error(`createDetector failed: ${JSON.stringify(res)}`);
  return id;
}

async function submitImage(detectorId: string, seed: number): Promise<string> {
  const res = await h.rest(`/device-api/v1/image-queries?detector_id=${encodeURIComponent(detectorId)}`, {
    method: 'POST',
    body: await makeJpeg(scratch, seed),
    contentType: 'image/jpeg',
  });
  expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
  return (res.json as { id: string }).id;
}

async function answered(iq: string): Promise<Record<string, unknown>> {
  const until = Date.now() + 10_000;
  for (;;) {
    const res = await h.rest(`/device-api/v1/image-queries/${iq}`);
    const body = res.json as { result?: { source?: string } };
    if (body.result?.source === 'USER') return body;
    if (Date.now() > until) throw new Error(`no human answer on ${iq}: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

beforeAll(async () => {
  h = await startHarness();
  scratch = await (await h.browser.newContext()).newPage();
});

afterAll(async () => {
  await h?.close();
});

describe('admin pages against a real cloud-graph', () => {
  it('hides Admin from a reviewer and refuses the page', async () => {
    const reviewer = await signedInPage(h, h.tokens.reviewer1);
    expect(await reviewer.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
    await reviewer.goto(`${h.uiUrl}/#/admin/users`);
    await reviewer.getByText('This page is for admins').waitFor();
    expect(await reviewer.getByTestId('users-table').count()).toBe(0);
    await reviewer.context().close();
  });

  it('creates a user, issues a token shown once that works, and revokes it', async () => {
    const admin = await signedInPage(h, h.tokens.admin, VIEWPORTS.laptop, '#/admin/users');
    await admin.locator('#u-username').fill('carol');
    await admin.locator('#u-email').fill('carol@example.com');
    await admin.getByRole('button', { name: 'Create user' }).click();
    await admin.getByTestId('user-carol').waitFor();
    await admin.getByLabel('Token name').fill('carol-laptop');
    await admin.getByRole('button', { name: 'Issue token' }).click();
    const token = (await admin.getByTestId('secret-value').textContent())?.trim() ?? '';
    expect(token).toMatch(/^io_/);
    const me = await h.gql('{ me { name role } }', {}, token);
    expect(me.data?.me).toEqual({ name: 'carol', role: 'REVIEWER' });
    await expect.poll(() => admin.getByTestId('token-row').textContent()).toContain('active');
    await screenshot(admin, 'admin-users-1366');
    await admin.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => admin.getByTestId('token-row').textContent()).toContain('revoked');
    const after = await h.gql('{ me { name } }', {}, token);
    expect(after.data?.me).toBeUndefined();
    await admin.context().close();
  });

  it('registers a hub limited to one detector and shows its token once', async () => {
    const det = await createDetector({ name: 'gate-open', query: 'Is the gate open?', mode: 'BINARY' });
    const admin = await signedInPage(h, h.tokens.admin, VIEWPORTS.laptop, '#/admin/hubs');
    await admin.getByLabel('Hub name').fill('line-4-edge');
    await admin.getByRole('form', { name: 'Register a hub' }).getByLabel('Every detector').uncheck();
    await admin.getByRole('form', { name: 'Register a hub' }).getByLabel('gate-open').check();
    await admin.getByRole('button', { name: 'Register hub' }).click();
    const token = (await admin.getByTestId('secret-value').textContent())?.trim() ?? '';
    expect(token.length).toBeGreaterThan(10);
    await admin.getByTestId('admin-hub-line-4-edge').waitFor();
    const hubs = await h.gql('{ hubs { name assignedDetectorIds } }');
    expect(
      (hubs.data?.hubs as { name: string; assignedDetectorIds: string[] | null }[]).find(
        (x) => x.name === 'line-4-edge',
      ),
    ).toEqual({ name: 'line-4-edge', assignedDetectorIds: [det] });
    const seen = await h.gql('{ me { role } }', {}, token);
    expect(seen.data?.me).toEqual({ role: 'HUB' });
    await screenshot(admin, 'admin-hubs-1366');
    await admin.context().close();
  });

  it('queues a training job with Train now and shows its state', async () => {
    const det = await createDetector({ name: 'belt-jam', query: 'Is the belt jammed?', mode: 'BINARY' });
    const admin = await signedInPage(h, h.tokens.admin, VIEWPORTS.laptop, '#/admin/training');
    await admin.locator('#t-detector').selectOption(det);
    await admin.getByRole('button', { name: 'Train now' }).click();
    await admin.getByTestId('job-row').waitFor();
    expect(await admin.getByTestId('job-row').textContent()).toContain('MANUAL');
    const jobs = await h.gql('query($d: ID!) { trainingJobs(detectorId: $d) { trigger } }', { d: det });
    expect(jobs.data?.trainingJobs).toEqual([{ trigger: 'MANUAL' }]);
    // The row shows the state the server holds (polled while the job is queued or running), and a second
    // job cannot be asked for while this one is going.
    const serverState = async () =>
      (
        (await h.gql('query($d: ID!) { trainingJobs(detectorId: $d) { state } }', { d: det })).data
          ?.trainingJobs as { state: string }[]
      )[0]!.state;
    const state = await serverState();
    expect(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED']).toContain(state);
    if (state === 'QUEUED' || state === 'RUNNING') {
      expect(await admin.getByRole('button', { name: 'Train now' }).isDisabled()).toBe(true);
    }
    await expect
      .poll(
        async () => (await admin.getByTestId('job-row').getAttribute('data-state')) === (await serverState()),
      )
      .toBe(true);
    await screenshot(admin, 'admin-training-1366');
    await admin.context().close();
  });
});

describe('box and text review', () => {
  it("draws the model's boxes with labels and scores; the reviewer removes one, adds one and submits", async () => {
    const det = await createDetector({
      name: 'dock-people',
      query: 'Where are the people?',
      mode: 'BOUNDING_BOX',
      modeConfiguration: { class_name: 'person', max_num_bboxes: 10 },
    });
    const iq = await submitImage(det, 1);
    // The cloud does not write a model's rois yet: seed them as an edge answer would carry them.
    const geom = (left: number, top: number, right: number, bottom: number) => ({
      left,
      top,
      right,
      bottom,
      x: (left + right) / 2,
      y: (top + bottom) / 2,
    });
    await h.sql('update image_queries set rois = ? where id = ?', [
      JSON.stringify([
        { label: 'person', score: 0.91, geometry: geom(0.1, 0.1, 0.3, 0.6) },
        { label: 'person', score: 0.42, geometry: geom(0.6, 0.2, 0.7, 0.5) },
      ]),
      iq,
    ]);
    const reviewer = await signedInPage(h, h.tokens.reviewer1, VIEWPORTS.laptop, `#/queue?detector=${det}`);
    await expect.poll(() => reviewer.getByTestId('lease').textContent()).toMatch(/^yours/);
    await expect.poll(() => reviewer.getByTestId('box').count()).toBe(2);
    expect(await reviewer.getByTestId('box').allTextContents()).toEqual(['1 · person 91%', '2 · person 42%']);
    await reviewer.getByRole('button', { name: 'Remove box 2' }).click();
    const stage = reviewer.getByTestId('image-stage');
    await reviewer.locator('.viewer img').evaluate((img: HTMLImageElement) => img.decode());
    const b = (await stage.boundingBox())!;
    await reviewer.mouse.move(b.x + b.width * 0.5, b.y + b.height * 0.5);
    await reviewer.mouse.down();
    await reviewer.mouse.move(b.x + b.width * 0.8, b.y + b.height * 0.9, { steps: 5 });
    await reviewer.mouse.up();
    await expect.poll(() => reviewer.getByTestId('box').count()).toBe(2);
    await screenshot(reviewer, 'queue-model-boxes-1366');
    await reviewer.keyboard.press('Enter');
    const body = (await answered(iq)) as {
      rois: { label: string; geometry: { left: number; right: number } }[];
    };
    expect(body.rois.map((r) => r.label)).toEqual(['person', 'person']);
    expect(body.rois[0]!.geometry.left).toBeCloseTo(0.1, 3);
    expect(body.rois[1]!.geometry.left).toBeCloseTo(0.5, 1);
    expect(body.rois[1]!.geometry.right).toBeCloseTo(0.8, 1);
    await reviewer.context().close();
  });

  it('starts a text answer from the recognised text; the reviewer corrects it', async () => {
    const det = await createDetector({ name: 'lot-label', query: 'What does the label say?', mode: 'TEXT' });
    const iq = await submitImage(det, 2);
    await h.sql('update image_queries set text = ? where id = ?', ['LOT 4Z', iq]);
    const reviewer = await signedInPage(h, h.tokens.reviewer1, VIEWPORTS.laptop, `#/queue?detector=${det}`);
    await expect.poll(() => reviewer.getByTestId('lease').textContent()).toMatch(/^yours/);
    const input = reviewer.getByTestId('text-answer');
    await expect.poll(() => input.inputValue()).toBe('LOT 4Z');
    await input.fill('LOT 42');
    await input.press('Enter');
    const body = (await answered(iq)) as { result: { text: string } };
    expect(body.result.text).toBe('LOT 42');
    await reviewer.context().close();
  });
});
