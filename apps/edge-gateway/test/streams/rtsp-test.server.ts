/**
 * Starts the local RTSP camera (rtsp-server.py, GStreamer through Debian's python3-gi) on loopback for a test.
 * Port 0 picks a free port; the script prints `READY <port>` once it listens. Restarting on the same port (a
 * camera that comes back) is `startRtspServer({ port: old.port })`.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const FIXTURES_DIR = resolve(import.meta.dirname, 'fixtures');
export const RTSP_SERVER_SCRIPT = resolve(import.meta.dirname, 'rtsp-server.py');
/** Debian's python with `gi`; the python3 on PATH may be a build without it. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export type Mount = 'street' | 'still';

export interface RtspTestServer {
  port: number;
  url(mount: Mount): string;
  /** Freezes the server (SIGSTOP): connections stay open but no data flows, like a hung camera. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export async function startRtspServer(
  opts: { port?: number; fps?: number; frames?: string } = {},
): Promise<RtspTestServer> {
  // A port just released by a killed server can take a moment to bind again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= 5 || opts.port === undefined) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function startOnce(opts: { port?: number; fps?: number; frames?: string }): Promise<RtspTestServer> {
  const args = [
    RTSP_SERVER_SCRIPT,
    '--frames',
    opts.frames ?? resolve(FIXTURES_DIR, 'street_*.jpg'),
    '--port',
    String(opts.port ?? 0),
    '--fps',
    String(opts.fps ?? 10),
  ];
  const child = spawn(SYSTEM_PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (t: string) => (stderr = (stderr + t).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  return new Promise<RtspTestServer>((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`RTSP test server did not start within 20 s: ${stderr}`));
    }, 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`RTSP test server exited (${code}) before it was ready: ${stderr}`));
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (t: string) => {
      out += t;
      const m = /READY (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolvePromise({
        port,
        url: (mount) => `rtsp://127.0.0.1:${port}/${mount}`,
        pause: () => child.kill('SIGSTOP'),
        resume: () => child.kill('SIGCONT'),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGCONT');
            child.kill('SIGTERM');
          }
          const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
  });
}
