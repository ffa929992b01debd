/**
 * The real neighbours as child processes: apps/cloud-graph (on a per-run PostgreSQL database at
 * 127.0.0.1:5432) and apps/inference (watching the edge's models folder). Restartable on the same port, so
 * a test can take the cloud away and bring it back.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from './child';
import { waitFor } from './harness';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const PG = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function createDatabase(): { url: string; drop: () => void } {
  const name = `io_edge_${randomBytes(5).toString('hex')}`;
  execFileSync('psql', [PG, '-q', '-c', `CREATE DATABASE ${name}`]);
  const url = new URL(PG);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => {
      try {
        execFileSync('psql', [PG, '-q', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
      } catch {
        // best effort
      }
    },
  };
}

export class ServiceChild {
  child: ChildProcess | null = null;
  private log = '';

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly readyUrl: string,
  ) {}

  async start(): Promise<void> {
    this.log = '';
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, this.entry)], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (c: Buffer) => (this.log = (this.log + c.toString()).slice(-20_000)));
    child.stderr.on('data', (c: Buffer) => (this.log = (this.log + c.toString()).slice(-20_000)));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.name} exited: ${this.log}`);
        try {
          return (await fetch(this.readyUrl)).status === 200;
        } catch {
          return false;
        }
      },
      120_000,
      `${this.name} to be ready`,
    );
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }

  output(): string {
    return this.log;
  }
}

/**
 * cloud-graph's real entry point on a free port with `databaseUrl`, blobs under `work` and `adminToken` as the
 * bootstrap admin; training in-process off unless asked for. Not started: call `child.start()`.
 */
export async function cloudChild(o: {
  databaseUrl: string;
  work: string;
  adminToken: string;
  trainInProcess?: boolean;
  env?: Record<string, string>;
}): Promise<{ child: ServiceChild; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = new ServiceChild(
    'cloud-graph',
    'apps/cloud-graph/src/main.ts',
    {
      DATABASE_URL: o.databaseUrl,
      BLOB_DIR: join(o.work, 'blobs'),
      BLOB_SIGNING_SECRET: 'edge-tests-signing-secret-0123456789',
      IO_BOOTSTRAP_TOKEN: o.adminToken,
      PORT: String(port),
      HOST: '127.0.0.1',
      LEARNING_IN_PROCESS: o.trainInProcess ? '1' : '0',
      ...o.env,
    },
    `${url}/health/ready`,
  );
  return { child, url };
}

/** The inference service's real entry point on free ports, serving the models under `ioHome`. Not started. */
export async function inferenceChild(
  ioHome: string,
  env: Record<string, string> = {},
): Promise<{ child: ServiceChild; url: string }> {
  const [port, health] = [await freePort(), await freePort()];
  const child = new ServiceChild(
    'inference',
    'apps/inference/src/main.ts',
    {
      IO_HOME: ioHome,
      INFERENCE_HOST: '127.0.0.1',
      INFERENCE_PORT: String(port),
      INFERENCE_HEALTH_PORT: String(health),
      ...env,
    },
    `http://127.0.0.1:${health}/health/live`,
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

export async function gql<T>(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-token': token },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (json.errors?.length) throw new Error(`GraphQL: ${json.errors.map((e) => e.message).join('; ')}`);
  return json.data as T;
}
