/**
 * `npm start` as a newcomer runs it: in a fresh IO_HOME, every service comes up, a Groundlight query through the
 * edge's front door (:30101) is answered, the demo's escalations reach the cloud's review queue (seen over
 * GraphQL), and Ctrl-C stops every process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const ioHome = mkdtempSync(join(tmpdir(), 'io-start-'));
const TOKEN = 'io_startTestTOKEN_abcdefghij';
let child: ChildProcess;
let output = '';

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  seconds: number,
): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}\n--- npm start output ---\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const gql = async (query: string) =>
  (await (
    await fetch('http://127.0.0.1:8000/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-token': TOKEN },
      body: JSON.stringify({ query }),
    })
  ).json()) as { data?: Record<string, unknown>; errors?: unknown[] };

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools', 'start.ts')], {
    cwd: root,
    env: { ...process.env, IO_HOME: ioHome, IO_BOOTSTRAP_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  await until(
    'the edge through :30101',
    async () => (await fetch('http://127.0.0.1:30101/health/ready')).ok,
    240,
  );
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
  }
  rmSync(ioHome, { recursive: true, force: true });
});

describe('npm start', () => {
  it('answers a Groundlight query through :30101 and puts the demo escalations in the review queue', async () => {
    const state = await until(
      'the demo detectors',
      async () =>
        JSON.parse(readFileSync(join(ioHome, 'demo.json'), 'utf8')) as { detectors: { id: string }[] },
      120,
    );
    const brick = state.detectors[0]!.id;
    const tiles = join(root, 'libs/vision/test/fixtures/textures/brick');
    const image = readFileSync(
      join(
        tiles,
        readdirSync(tiles).find((f) => f.endsWith('.jpg'))!,
      ),
    );
    const res = await fetch(`http://127.0.0.1:30101/device-api/v1/image-queries?detector_id=${brick}`, {
      method: 'POST',
      headers: { 'x-api-token': TOKEN, 'content-type': 'image/jpeg' },
      body: image,
    });
    expect(res.status).toBe(200);
    const iq = (await res.json()) as { id: string; detector_id: string; result_type: string };
    expect(iq).toMatchObject({ detector_id: brick, result_type: 'binary_classification' });
    expect(iq.id).toMatch(/^iq_/);
    // The cloud-only route `/me` falls back through nginx to the cloud.
    const me = await fetch('http://127.0.0.1:30101/device-api/v1/me', { headers: { 'x-api-token': TOKEN } });
    expect(await me.json()).toMatchObject({ username: 'admin' });

    const queued = await until(
      'a demo escalation in the review queue',
      async () => {
        const r = await gql('{ reviewQueue { edges { node { id } } } }');
        const edges = (r.data?.reviewQueue as { edges: unknown[] } | undefined)?.edges ?? [];
        return edges.length > 0 ? edges.length : null;
      },
      120,
    );
    expect(queued).toBeGreaterThan(0);
  });

  it('stops every process on Ctrl-C', async () => {
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await until(
      'every port closed',
      async () => {
        for (const port of [8000, 8001, 8718, 30101, 3000]) {
          const open = await fetch(`http://127.0.0.1:${port}/`).then(
            () => true,
            () => false,
          );
          if (open) return false;
        }
        return true;
      },
      30,
    );
  });
});
