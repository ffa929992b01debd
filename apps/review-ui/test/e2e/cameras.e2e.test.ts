/**
 * Zones drawn on a camera's frame in the review UI, end to end: the hub's heartbeat reports a camera with a
 * real JPEG frame and an edge-config zone; an admin opens it from the fleet page, draws a polygon by clicking on
 * the frame, names it, saves, then drags a vertex and saves again — what the edge pulls (the hub token's
 * `hubs { cameras { zones } }`) is what was drawn. Real cloud-graph + PostgreSQL, the production build in
 * Debian's Chromium (see harness.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { makeJpeg, screenshot, signedInPage, startHarness, type Harness } from './harness';

let h: Harness;
let page: Page;

interface PulledZone {
  name: string;
  polygon: { x: number; y: number }[] | null;
}

async function pulledByEdge(): Promise<PulledZone[]> {
  const res = await h.gql('{ hubs { cameras { name zones { name polygon { x y } } } } }', {}, h.tokens.hub);
  const hubs = res.data?.hubs as { cameras: { name: string; zones: PulledZone[] }[] }[];
  return hubs[0]!.cameras.find((c) => c.name === 'gate')?.zones ?? [];
}

beforeAll(async () => {
  h = await startHarness();
  const scratch = await (await h.browser.newContext()).newPage();
  const jpeg = await makeJpeg(scratch, 3);
  await scratch.context().close();
  const res = await h.gql(
    'mutation($input: HubHeartbeatInput!) { hubHeartbeat(input: $input) { ok error { message } } }',
    {
      input: {
        servedDetectors: [],
        counters: {},
        cameras: [
          {
            name: 'gate',
            detectorIds: [],
            localZones: [{ name: 'dock', box: { x: 0.6, y: 0.6, width: 0.3, height: 0.3 } }],
            frame: {
              jpegBase64: Buffer.from(jpeg).toString('base64'),
              width: 640,
              height: 480,
              at: new Date().toISOString(),
            },
          },
        ],
      },
    },
    h.tokens.hub,
  );
  expect(res.data?.hubHeartbeat).toEqual({ ok: true, error: null });
  page = await signedInPage(h, h.tokens.admin, undefined, '#/fleet');
});

afterAll(async () => {
  await h?.close();
});

/** Clicks the stage at a fraction of it (scrolled clear of the sticky top bar first). */
async function clickAt(x: number, y: number): Promise<void> {
  await page.getByTestId('zone-stage').evaluate((el) => el.scrollIntoView({ block: 'center' }));
  const box = (await page.getByTestId('zone-stage').boundingBox())!;
  await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
}

describe('drawing zones on a camera frame', () => {
  it('draws, names and saves a polygon; the edge reads what was drawn', async () => {
    await page.getByRole('link', { name: 'Cameras and zones' }).click();
    await page.getByRole('link', { name: 'gate' }).click();
    await page.getByAltText("The camera's latest frame").waitFor();
    await page.getByText('in use').waitFor(); // the edge-config zone "dock"
    await page.getByRole('button', { name: 'New zone' }).click();
    for (const [x, y] of [
      [0.1, 0.1],
      [0.5, 0.1],
      [0.5, 0.9],
      [0.1, 0.9],
    ] as const)
      await clickAt(x, y);
    await page.getByRole('button', { name: 'Finish zone (4 points)' }).click();
    await page.getByLabel('Name of zone 1').fill('entrance');
    await page.getByRole('button', { name: 'Save zones' }).click();
    await expect.poll(pulledByEdge).toHaveLength(1);
    const [zone] = await pulledByEdge();
    expect(zone!.name).toBe('entrance');
    const expected = [
      [0.1, 0.1],
      [0.5, 0.1],
      [0.5, 0.9],
      [0.1, 0.9],
    ];
    zone!.polygon!.forEach((p, i) => {
      expect(p.x).toBeCloseTo(expected[i]![0]!, 2);
      expect(p.y).toBeCloseTo(expected[i]![1]!, 2);
    });
    await screenshot(page, 'camera-zones');
  });

  it('a dragged vertex is saved where it was dropped; a duplicate name is refused before saving', async () => {
    await page.getByRole('button', { name: 'Edit' }).click();
    // The sticky top bar must not cover the frame (clicking Edit may have scrolled the page).
    await page.getByTestId('zone-stage').evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const stage = (await page.getByTestId('zone-stage').boundingBox())!;
    await page.mouse.move(stage.x + 0.5 * stage.width, stage.y + 0.1 * stage.height);
    await page.mouse.down();
    await page.mouse.move(stage.x + 0.7 * stage.width, stage.y + 0.2 * stage.height, { steps: 5 });
    await page.mouse.up();
    await page.getByRole('button', { name: 'Save zones' }).click();
    await expect.poll(async () => (await pulledByEdge())[0]?.polygon?.[1]?.x ?? 0).toBeGreaterThan(0.68);
    const moved = (await pulledByEdge())[0]!.polygon![1]!;
    expect(moved.x).toBeCloseTo(0.7, 2);
    expect(moved.y).toBeCloseTo(0.2, 2);

    await page.getByRole('button', { name: 'New zone' }).click();
    for (const [x, y] of [
      [0.6, 0.1],
      [0.9, 0.1],
      [0.9, 0.4],
    ] as const)
      await clickAt(x, y);
    await page.getByRole('button', { name: 'Finish zone (3 points)' }).click();
    await page.getByLabel('Name of zone 2').fill('entrance');
    await page.getByText('"entrance": another zone has this name').waitFor();
    expect(await page.getByRole('button', { name: 'Save zones' }).isDisabled()).toBe(true);
  });
});
