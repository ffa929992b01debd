/**
 * Real services for the CLI tests, each a child process (`tsx apps/<app>/src/main.ts`) on a free port read from
 * its log line: a cloud-graph on a fresh PostgreSQL database (dropped by `stop()`), a temp blob folder and a
 * bootstrap admin token; an edge-gateway that escalates to that cloud.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../../..');
const PG = { host: '127.0.0.1', port: '5432', user: 'postgres' };

export interface Service {
  url: string;
  logs(): string;
  stop(): Promise<void>;
}

export interface Cloud extends Service {
  token: string;
}

function psql(sql: string): void {
  const r = spawnSync(
    'psql',
    ['-h', PG.host, '-p', PG.port, '-U', PG.user, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    throw new Error(`psql ${sql}: ${r.stderr || r.error?.message} (is PostgreSQL on 127.0.0.1:5432?)`);
  }
}

/** Starts apps/<app>; `listening` finds the base URL in its output. */
async function startApp(
  app: string,
  env: Record<string, string>,
  listening: (output: string) => string | null,
  cleanup: () => void,
): Promise<Service> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: join(REPO, 'apps', app),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${app} did not start in 120 s:\n${output}`)), 120_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = listening(output);
      if (found) {
        clearTimeout(timer);
        res(found);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${app} exited with ${code}:\n${output}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    cleanup();
    throw err;
  });
  return {
    url,
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}

export async function startCloud(extraEnv: Record<string, string> = {}): Promise<Cloud> {
  const database = `io_cli_${randomBytes(4).toString('hex')}`;
  psql(`CREATE DATABASE ${database}`);
  const home = mkdtempSync(join(tmpdir(), 'io-cli-cloud-'));
  const token = `io_cli_test_${randomBytes(16).toString('hex')}`;
  const service = await startApp(
    'cloud-graph',
    {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      IO_HOME: home,
      DATABASE_URL: `postgresql://${PG.user}@${PG.host}:${PG.port}/${database}`,
      BLOB_BACKEND: 'local',
      BLOB_DIR: join(home, 'blobs'),
      BLOB_SIGNING_SECRET: randomBytes(16).toString('hex'),
      IO_BOOTSTRAP_TOKEN: token,
      ...(process.env.IO_CACHE_DIR ? { IO_CACHE_DIR: process.env.IO_CACHE_DIR } : {}),
      ...extraEnv,
    },
    (out) => /"url":"(http:\/\/[^"]+)"[^\n]*cloud-graph listening/.exec(out)?.[1] ?? null,
    () => {
      rmSync(home, { recursive: true, force: true });
      psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  );
  return { ...service, token };
}

/** An edge-gateway escalating to `cloud` with `token`; no inference service (it answers by escalating). */
export async function startEdge(cloud: Cloud): Promise<Service> {
  const home = mkdtempSync(join(tmpdir(), 'io-cli-edge-'));
  return startApp(
    'edge-gateway',
    {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      IO_HOME: home,
      CLOUD_URL: cloud.url,
      EDGE_API_TOKEN: cloud.token,
      INFERENCE_URL: 'http://127.0.0.1:9',
      MODEL_UPDATES: '0',
    },
    (out) => {
      const port = /"port":(\d+)[^\n]*edge-gateway listening/.exec(out)?.[1];
      return port ? `http://127.0.0.1:${port}` : null;
    },
    () => rmSync(home, { recursive: true, force: true }),
  );
}
