/**
 * A real cloud-graph for the CLI tests: a child process (`tsx apps/cloud-graph/src/main.ts`) on a fresh
 * PostgreSQL database, a temp blob folder and a bootstrap admin token, on a free port read from its log line.
 * `stop()` ends the process and drops the database.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../../..');
const PG = { host: '127.0.0.1', port: '5432', user: 'postgres' };

export interface Cloud {
  url: string;
  token: string;
  logs(): string;
  stop(): Promise<void>;
}

function psql(sql: string): void {
  const r = spawnSync(
    'psql',
    ['-h', PG.host, '-p', PG.port, '-U', PG.user, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0)
    throw new Error(`psql ${sql}: ${r.stderr || r.error?.message} (is PostgreSQL on 127.0.0.1:5432?)`);
}

export async function startCloud(extraEnv: Record<string, string> = {}): Promise<Cloud> {
  const database = `io_cli_${randomBytes(4).toString('hex')}`;
  psql(`CREATE DATABASE ${database}`);
  const home = mkdtempSync(join(tmpdir(), 'io-cli-cloud-'));
  const token = `io_cli_test_${randomBytes(16).toString('hex')}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: join(REPO, 'apps/cloud-graph'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
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
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString('utf8'));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  const cleanup = () => {
    rmSync(home, { recursive: true, force: true });
    psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  };
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`cloud-graph did not start in 120 s:\n${output}`)), 120_000);
    const look = () => {
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*cloud-graph listening/.exec(output);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`cloud-graph exited with ${code}:\n${output}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    cleanup();
    throw err;
  });

  return {
    url,
    token,
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
