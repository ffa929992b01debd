/**
 * SIGTERM under load (the real entry point, src/main.ts, as a child process): requests in flight when the
 * signal arrives are answered, not cut and not failed with a 500 (the database is closed only after the last
 * handler answered), and every write the cloud acknowledged is in the database afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { tinyJpeg } from '../support/images';

const APP = join(import.meta.dirname, '..', '..');
const ADMIN = 'io_admin_sigterm_drill_token_000000000001';
let db: TestDatabase;
let child: ChildProcess | null = null;
let url = '';
let log = '';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ['--import', 'tsx', join(APP, 'src', 'main.ts')], {
    cwd: APP,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      BLOB_DIR: mkdtempSync(join(tmpdir(), 'io-sigterm-blobs-')),
      BLOB_SIGNING_SECRET: 'sigterm-drill-signing-secret-0123456789',
      IO_BOOTSTRAP_TOKEN: ADMIN,
      PORT: String(port),
      HOST: '127.0.0.1',
      LEARNING_IN_PROCESS: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  for (const end = Date.now() + 120_000; ;) {
    if (child.exitCode !== null) throw new Error(`cloud-graph exited: ${log}`);
    const ok = await fetch(`${url}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > end) throw new Error(`cloud-graph not ready: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 150_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await db?.drop();
});

describe('SIGTERM under load', () => {
  it('answers every request in flight, then exits 0; acknowledged writes are stored', async () => {
    const created = await fetch(`${url}/device-api/v1/detectors`, {
      method: 'POST',
      headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sigterm', query: 'Is it there?' }),
    });
    expect(created.status).toBe(201);
    const detectorId = ((await created.json()) as { id: string }).id;

    const answers: { status: number; id?: string }[] = [];
    let refused = 0; // connection refused after the listener closed: never accepted, so not lost
    let cut = 0; // a request the server accepted and then dropped: what a drain must prevent
    let signalled = false;
    const submit = async () => {
      const afterSignal = signalled;
      try {
        const res = await fetch(`${url}/v1/image-queries?detector_id=${detectorId}`, {
          method: 'POST',
          headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
          body: new Uint8Array(tinyJpeg()),
        });
        const body = (await res.json()) as { id?: string };
        answers.push({ status: res.status, ...(body.id ? { id: body.id } : {}) });
      } catch (e) {
        const code = (e as { cause?: { code?: string } }).cause?.code;
        if (code === 'ECONNREFUSED' || afterSignal) refused++;
        else cut++;
        return false;
      }
      return true;
    };
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    const loops = Array.from({ length: 8 }, async () => {
      while (await submit());
    });
    for (const end = Date.now() + 60_000; answers.length < 40;) {
      if (Date.now() > end) throw new Error('no load');
      await new Promise((r) => setTimeout(r, 10));
    }
    const before = answers.length;
    signalled = true;
    child!.kill('SIGTERM');
    await Promise.all(loops);
    const code = await exited;

    expect(code).toBe(0);
    expect(log).not.toMatch(/unexpected error in REST handler/);
    expect(cut).toBe(0);
    expect(answers.filter((a) => a.status !== 201)).toEqual([]);
    expect(answers.length).toBeGreaterThan(before); // requests in flight at the signal were answered
    expect(refused).toBeGreaterThan(0); // and the loops did stop on a closed listener
    const ids = answers.flatMap((a) => (a.id ? [a.id] : []));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT id FROM image_queries WHERE id = ANY($1)', [ids]);
      expect(rows.length).toBe(ids.length);
    } finally {
      await client.end();
    }
  }, 120_000);
});
