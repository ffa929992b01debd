/**
 * `npm start` as a newcomer runs it: in a fresh IO_HOME, every service comes up, a Groundlight query through the
 * edge's front door (:30101) is answered, the demo's escalations reach the cloud's review queue (seen over
 * GraphQL), a `kill -9` of the edge gateway is survived (restarted and answering again), and Ctrl-C stops every
 * process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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

/** The pid of the supervisor's child running `script` (found in /proc, so nothing is parsed from logs). */
function childRunning(parent: number, script: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(script)) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}

async function askBrick(brick: string): Promise<Response> {
  const tiles = join(root, 'libs/vision/test/fixtures/textures/brick');
  const image = readFileSync(
    join(
      tiles,
      readdirSync(tiles).find((f) => f.endsWith('.jpg'))!,
    ),
  );
  return fetch(`http://127.0.0.1:30101/device-api/v1/image-queries?detector_id=${brick}`, {
    method: 'POST',
    headers: { 'x-api-token': TOKEN, 'content-type': 'image/jpeg' },
    body: image,
  });
}

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
    const res = await askBrick(brick);
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

  it('gives the edge a hub token, never the admin token', async () => {
    const gateway = childRunning(child.pid!, join(root, 'apps/edge-gateway/src/main.ts'));
    expect(gateway).not.toBeNull();
    const env = new Map(
      readFileSync(`/proc/${gateway}/environ`, 'utf8')
        .split('\0')
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
    );
    expect(env.get('EDGE_API_TOKEN')).toMatch(/^hub_/);
    expect(env.get('EDGE_API_TOKEN')).toBe(env.get('EDGE_HUB_TOKEN'));
    expect([...env.values()]).not.toContain(TOKEN);
    // And the edge lends nothing: without a token its GraphQL and its config answer 401.
    const anonymous = await fetch('http://127.0.0.1:30101/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
    expect(anonymous.status).toBe(401);
    expect((await fetch('http://127.0.0.1:30101/edge-config')).status).toBe(401);
  });

  it('restarts the edge gateway after kill -9, and it answers again', async () => {
    const gatewayMain = join(root, 'apps/edge-gateway/src/main.ts');
    expect(existsSync(gatewayMain)).toBe(true);
    const killed = childRunning(child.pid!, gatewayMain);
    expect(killed).not.toBeNull();
    process.kill(killed!, 'SIGKILL');

    await until(
      'the restart notice',
      async () => output.includes('edge-gateway exited (SIGKILL); restarting in 1 s (attempt 2)'),
      30,
    );
    const restarted = await until(
      'a new edge-gateway process',
      async () => {
        const pid = childRunning(child.pid!, gatewayMain);
        return pid !== null && pid !== killed ? pid : null;
      },
      30,
    );
    const { detectors } = JSON.parse(readFileSync(join(ioHome, 'demo.json'), 'utf8')) as {
      detectors: { id: string }[];
    };
    const again = await until(
      'an answer through :30101 from the restarted gateway',
      async () => {
        const res = await askBrick(detectors[0]!.id);
        return res.status === 200 ? ((await res.json()) as { detector_id: string }) : null;
      },
      120,
    );
    expect(again.detector_id).toBe(detectors[0]!.id);
    expect(childRunning(child.pid!, gatewayMain)).toBe(restarted);
    await until('the ready notice', async () => output.includes('edge-gateway is back and ready'), 60);
    expect(child.exitCode).toBeNull();
    expect(output).not.toContain('stopping the rest');
  });

  it('stops every process on Ctrl-C', async () => {
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('Ctrl-C: stopping every service');
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
