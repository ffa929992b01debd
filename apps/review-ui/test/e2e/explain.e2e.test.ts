/**
 * Explanations in the review UI end to end (#14): a real cloud-graph + PostgreSQL, the production build in
 * Debian's Chromium (harness.ts). The escalation comes in the way an edge sends it: a multipart body with the
 * image and the edge's explanation (libs/schema escalation-body.ts) through the cloud's REST API. The image
 * has a helmet drawn in one patch and the evidence map peaks on that patch, so the test can see that the
 * heat map is drawn, visible over the image and aligned with it (row-major, top row first).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { escalationBody, type Explanation } from '@intellioptics/schema';
import { VIEWPORTS, makeJpeg, screenshot, signedInPage, startHarness, type Harness } from './harness';

let h: Harness;
let scratch: Page;
let detector = '';
let target = '';
const neighbours: { id: string; label: string }[] = [];

const ROWS = 6;
const COLS = 8;
/** The patch the helmet is drawn in (and where the map peaks). */
const PEAK = { row: 1, col: 5 };
/** A patch the map says nothing about (value exactly 0: drawn transparent). */
const ZERO = { row: 5, col: 0 };

/** Where the reasoning step's own map peaks (it looked elsewhere first). */
const STEP_PEAK = { row: 4, col: 1 };

const STEPS = [
  'The model saw YES (helmet present) with raw confidence 0.71.',
  'In domain: in-domain probability 0.93 (distance 0.41, below the 0.80 cut-off).',
  'Refinement step 1: YES at 0.58, looking at the lower left.',
  'Calibrated confidence 0.66 is below the threshold 0.90.',
  'Escalated to the cloud: the confidence is below the threshold.',
];

const DECISION = STEPS[4]!;

function evidenceValues(peak = PEAK): number[] {
  const values: number[] = [];
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLS; c++) {
      const d2 = (r - peak.row) ** 2 + (c - peak.col) ** 2;
      values.push(Math.round((Math.exp(-d2 / 2) - 0.1) * 1000) / 1000);
    }
  }
  values[ZERO.row * COLS + ZERO.col] = 0;
  return values;
}

/** A 640×480 JPEG drawn by Chromium: a work scene with a yellow helmet filling the PEAK patch. */
async function helmetJpeg(): Promise<Uint8Array<ArrayBuffer>> {
  const b64 = await scratch.evaluate(
    ({ rows, cols, peak }) => {
      const c = document.createElement('canvas');
      c.width = 640;
      c.height = 480;
      const g = c.getContext('2d')!;
      g.fillStyle = '#4a5560';
      g.fillRect(0, 0, 640, 480);
      g.fillStyle = '#30353b';
      g.fillRect(0, 340, 640, 140);
      const [w, hh] = [640 / cols, 480 / rows];
      g.fillStyle = '#ffe600';
      g.fillRect(peak.col * w + 4, peak.row * hh + 4, w - 8, hh - 8);
      g.fillStyle = '#fff';
      g.font = 'bold 20px sans-serif';
      g.fillText('cam-2 gate', 16, 30);
      return c.toDataURL('image/jpeg', 0.92).split(',')[1]!;
    },
    { rows: ROWS, cols: COLS, peak: PEAK },
  );
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

async function submit(body: Uint8Array<ArrayBuffer>, contentType: string, token = h.tokens.admin) {
  const res = await h.rest(`/device-api/v1/image-queries?detector_id=${encodeURIComponent(detector)}`, {
    method: 'POST',
    body,
    contentType,
    token,
  });
  expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
  return (res.json as { id: string }).id;
}

/** RGBA of a PNG's pixel at (x, y), decoded by the browser (no image library in the test). */
async function pixel(png: Buffer, x: number, y: number): Promise<number[]> {
  return scratch.evaluate(
    async ({ b64, x, y }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      return [...g.getImageData(Math.round(x), Math.round(y), 1, 1).data];
    },
    { b64: png.toString('base64'), x, y },
  );
}

/** RGBA the overlay canvas itself holds at a cell's centre. */
function canvasCell(canvas: Locator, cell: { row: number; col: number }): Promise<number[]> {
  return canvas.evaluate(
    (el, { cell, rows, cols }) => {
      const c = el as HTMLCanvasElement;
      const x = Math.floor(((cell.col + 0.5) * c.width) / cols);
      const y = Math.floor(((cell.row + 0.5) * c.height) / rows);
      return [...c.getContext('2d')!.getImageData(x, y, 1, 1).data];
    },
    { cell, rows: ROWS, cols: COLS },
  );
}

/** Checks the heat map on `page`: drawn, peak on the helmet, transparent where the map is 0, aligned. */
async function expectOverlayOnHelmet(page: Page): Promise<void> {
  const stage = page.getByTestId('image-stage');
  const canvas = page.getByTestId('evidence-canvas');
  await canvas.waitFor();
  expect(await canvas.getAttribute('data-peak')).toBe(`${PEAK.row},${PEAK.col}`);
  expect([await canvas.getAttribute('data-rows'), await canvas.getAttribute('data-cols')]).toEqual([
    '6',
    '8',
  ]);

  // The canvas covers exactly the image's box.
  const imgBox = (await stage.locator('img').boundingBox())!;
  const canvasBox = (await canvas.boundingBox())!;
  for (const k of ['x', 'y', 'width', 'height'] as const)
    expect(Math.abs(imgBox[k] - canvasBox[k])).toBeLessThan(1.5);

  // What the canvas holds: strong red at the peak, nothing where the map is 0.
  const [r, g, b, a] = await canvasCell(canvas, PEAK);
  expect(a).toBeGreaterThan(150);
  expect(r).toBeGreaterThan(180);
  expect(g! + b!).toBeLessThan(120);
  expect((await canvasCell(canvas, ZERO))[3]).toBe(0);

  // What the reviewer sees: the helmet is under the peak with the map off, the map changes it when on,
  // and leaves the zero patch untouched.
  const at = (cell: { row: number; col: number }) => ({
    x: ((cell.col + 0.5) * imgBox.width) / COLS,
    y: ((cell.row + 0.5) * imgBox.height) / ROWS,
  });
  const on = await stage.screenshot();
  await page.getByRole('button', { name: /Evidence/ }).click();
  await canvas.waitFor({ state: 'detached' });
  const off = await stage.screenshot();
  const peakOff = await pixel(off, at(PEAK).x, at(PEAK).y);
  const peakOn = await pixel(on, at(PEAK).x, at(PEAK).y);
  expect(peakOff[0]).toBeGreaterThan(200); // yellow helmet
  expect(peakOff[1]).toBeGreaterThan(180);
  expect(peakOff[2]).toBeLessThan(90);
  expect(peakOff[1]! - peakOn[1]!).toBeGreaterThan(60); // red over yellow
  const zeroOn = await pixel(on, at(ZERO).x, at(ZERO).y);
  const zeroOff = await pixel(off, at(ZERO).x, at(ZERO).y);
  expect(Math.max(...zeroOn.map((v, i) => Math.abs(v - zeroOff[i]!)))).toBeLessThan(8);
  // And the E key brings it back.
  await page.keyboard.press('e');
  await canvas.waitFor();
  await page.getByTestId('evidence-legend').waitFor();
}

beforeAll(async () => {
  h = await startHarness();
  scratch = await (await h.browser.newContext()).newPage();
  const res = await h.gql(
    'mutation($input: CreateDetectorInput!) { createDetector(input: $input) { ok detector { id } } }',
    {
      input: {
        name: 'helmet-on',
        query: 'Is the worker wearing a helmet?',
        mode: 'BINARY',
        confidenceThreshold: 0.9,
        patienceTime: 3600,
      },
    },
  );
  detector = (res.data?.createDetector as { detector: { id: string } }).detector.id;
  // The edge that escalates serves this detector.
  const assign = await h.gql(
    'mutation($hub: ID!, $ids: [ID!]) { setHubDetectors(hubId: $hub, detectorIds: $ids) { ok error { message } } }',
    { hub: h.hubId, ids: [detector] },
  );
  expect(assign.data?.setHubDetectors).toMatchObject({ ok: true });

  // Labelled examples of the detector (what its model package's index points at).
  for (const [i, label] of ['YES', 'NO', 'YES'].entries()) {
    const id = await submit(await makeJpeg(scratch, 40 + i), 'image/jpeg');
    const lab = await h.gql(
      'mutation($input: LabelImageQueryInput!) { labelImageQuery(input: $input) { ok error { message } } }',
      { input: { imageQueryId: id, label } },
    );
    expect(lab.data?.labelImageQuery).toMatchObject({ ok: true });
    neighbours.push({ id, label });
  }

  // The edge's escalation with its explanation.
  const explanation: Explanation = {
    image_query_id: 'iq_placeholder',
    label: 'YES',
    confidence: 0.66,
    steps: [
      { kind: 'observation', text: STEPS[0]!, data: { label: 'YES', raw_confidence: 0.71 } },
      { kind: 'domain', text: STEPS[1]!, data: { in_domain_probability: 0.93, distance: 0.41 } },
      {
        kind: 'reasoning',
        text: STEPS[2]!,
        data: { step: 1 },
        evidence: { rows: ROWS, cols: COLS, values: evidenceValues(STEP_PEAK), label: 'YES' },
      },
      { kind: 'confidence', text: STEPS[3]!, data: { confidence: 0.66, threshold: 0.9 } },
      {
        kind: 'decision',
        text: DECISION,
        data: { outcome: 'escalate_sync', reason: 'BELOW_THRESHOLD', escalated: true },
      },
    ],
    evidence: { rows: ROWS, cols: COLS, values: evidenceValues(), label: 'YES' },
    neighbors: neighbours.map((n, i) => ({
      image_query_id: n.id,
      label: n.label,
      similarity: 0.91 - i * 0.07,
    })),
  };
  const { body, contentType } = escalationBody(await helmetJpeg(), 'image/jpeg', explanation);
  target = await submit(new Uint8Array(body), contentType, h.tokens.hub);
});

afterAll(async () => {
  await h?.close();
});

describe('explanations in the review UI', () => {
  let reviewer: Page;

  it('shows why the escalation came, the reason chain in order, and the heat map on the helmet', async () => {
    reviewer = await signedInPage(h, h.tokens.reviewer1, VIEWPORTS.laptop, `#/queue?detector=${detector}`);
    await expect.poll(() => reviewer.locator('li.item.current').getAttribute('data-id')).not.toBeNull();
    await expect.poll(() => reviewer.getByTestId('lease').textContent()).toMatch(/^yours/);

    const why = reviewer.getByTestId('why-it-came');
    expect(await why.textContent()).toContain(DECISION);
    const steps = await reviewer.getByTestId('reason-step').allTextContents();
    // The edge's four steps first, in order, then whatever the cloud added.
    for (const [i, text] of STEPS.entries()) expect(steps[i]).toContain(text);
    expect(await reviewer.getByTestId('reason-step').first().getAttribute('data-kind')).toBe('observation');
    // The same chain as the REST explanation.
    const rest = await h.rest(`/device-api/v1/image-queries/${target}/explanation`, {
      token: h.tokens.reviewer1,
    });
    expect(rest.status).toBe(200);
    expect((rest.json as { steps: { text: string }[] }).steps.map((s) => s.text)).toHaveLength(steps.length);

    expect(await reviewer.getByTestId('evidence-legend').textContent()).toContain('for YES');
    await screenshot(reviewer, 'explain-queue-1366');
    await expectOverlayOnHelmet(reviewer);

    // The reasoning step has its own map: its button draws it instead of the answer's, and back.
    const canvas = reviewer.getByTestId('evidence-canvas');
    const stepMap = reviewer.getByRole('button', { name: 'map', exact: true });
    expect(await stepMap.count()).toBe(1);
    await stepMap.click();
    await expect.poll(() => canvas.getAttribute('data-peak')).toBe(`${STEP_PEAK.row},${STEP_PEAK.col}`);
    expect((await canvasCell(canvas, STEP_PEAK))[3]).toBeGreaterThan(150);
    expect((await canvasCell(canvas, PEAK))[3]).toBeLessThan(40);
    await stepMap.click();
    await expect.poll(() => canvas.getAttribute('data-peak')).toBe(`${PEAK.row},${PEAK.col}`);
  });

  it('shows the labelled neighbours with their labels and similarity; a click opens that image query', async () => {
    const thumbs = reviewer.getByTestId('neighbor');
    await expect
      .poll(() => thumbs.allTextContents())
      .toEqual(['YES91% similar', 'NO84% similar', 'YES77% similar']);
    // Every thumbnail is the real image (a signed URL that loaded).
    await expect
      .poll(() =>
        thumbs.locator('img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth)),
      )
      .toEqual([640, 640, 640]);
    await thumbs.nth(1).click();
    await expect
      .poll(() => reviewer.evaluate(() => window.location.hash))
      .toBe(`#/image-queries/${neighbours[1]!.id}`);
    const page = reviewer.getByTestId('iq-page');
    await expect.poll(() => page.getAttribute('data-id')).toBe(neighbours[1]!.id);
    // A labelled example sent without an explanation from an edge: the cloud's own steps, then the label.
    await expect
      .poll(() => reviewer.getByTestId('reason-chain').textContent())
      .toContain('Labelled by a reviewer: "NO"');
    expect(await reviewer.getByTestId('evidence-bar').textContent()).toContain('no evidence map');
    await screenshot(reviewer, 'explain-neighbour-1366');
  });

  it('labels with Y and the explanation then says a reviewer answered it', async () => {
    await reviewer.goto(`${h.uiUrl}/#/queue?detector=${detector}`);
    await expect.poll(() => reviewer.getByTestId('lease').textContent()).toMatch(/^yours/);
    await reviewer.keyboard.press('y');
    await reviewer.getByText('Nothing open for this detector').waitFor();
    await reviewer.goto(`${h.uiUrl}/#/image-queries/${target}`);
    await expect
      .poll(() => reviewer.getByTestId('reason-chain').textContent())
      .toContain('Labelled by a reviewer: "YES"');
    // The edge's reasons and why it came stay on the image query's own page.
    expect(await reviewer.getByTestId('why-it-came').textContent()).toContain(DECISION);
    await expectOverlayOnHelmet(reviewer);
    await screenshot(reviewer, 'explain-image-query-1366');
    await reviewer.context().close();
  });

  it('lays out on a tablet: the image with its map, the reasons below', async () => {
    const tablet = await signedInPage(h, h.tokens.admin, VIEWPORTS.tablet, `#/image-queries/${target}`);
    await tablet.getByTestId('evidence-canvas').waitFor();
    const image = (await tablet.getByTestId('image-stage').boundingBox())!;
    const chain = (await tablet.getByTestId('reason-chain').boundingBox())!;
    expect(chain.y).toBeGreaterThanOrEqual(image.y + image.height - 1);
    await screenshot(tablet, 'explain-image-query-768');
    await tablet.context().close();
  });
});
