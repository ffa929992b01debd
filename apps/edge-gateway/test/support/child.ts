/** Runs the real gateway entry point (src/main.ts) as a child process, for crash tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './harness';

const APP = join(import.meta.dirname, '..', '..');

export interface ChildGateway {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

export async function spawnGateway(port: number, env: Record<string, string>): Promise<ChildGateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(APP, 'src', 'main.ts')], {
    cwd: APP,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout.on('data', (c: Buffer) => (err += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`gateway exited: ${err}`);
      try {
        return (await fetch(`${url}/health/ready`)).status === 200;
      } catch {
        return false;
      }
    },
    // tsx compiles the gateway at start: ~20 s on a loaded 2-core machine, so a wait, not a speed limit.
    90_000,
    'the gateway child to be ready',
  );
  return { child, url, stderr: () => err };
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
