/**
 * A private PostgreSQL cluster for outage drills: initdb into a temp dir, pg_ctl on a free loopback port, so a
 * test can stop and restart the server without touching the shared one at 127.0.0.1:5432. When this process
 * is root, the cluster runs as the `postgres` user (PostgreSQL refuses to run as root).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export interface ThrowawayPostgres {
  /** postgresql://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  readonly running: boolean;
  stop(): void;
  start(): void;
  /** Stops the server and removes its files. */
  destroy(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  if (!existsSync(join(BIN, 'initdb'))) throw new Error(`initdb not found in ${BIN} (set PG_BIN_DIR)`);
  const dir = mkdtempSync(join(tmpdir(), 'io-pg-drill-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const run = (tool: string, args: string[]): void => {
    const cmd = join(BIN, tool);
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
    else execFileSync(cmd, args, { stdio: 'pipe' });
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  let running = false;
  const pg: ThrowawayPostgres = {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    get running() {
      return running;
    },
    start() {
      run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
      running = true;
    },
    stop() {
      // fast: disconnect clients at once, as a crash or a failover would for the cloud.
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      running = false;
    },
    destroy() {
      if (running) pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  pg.start();
  return pg;
}
