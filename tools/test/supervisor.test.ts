/**
 * The `npm start` supervisor on real child processes: restart with a doubling delay, give up (stopping every
 * service) when one keeps crashing, and no restarts once stopping.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CrashHistory, Supervisor, type CrashPolicy } from '../supervisor';

const dir = mkdtempSync(join(tmpdir(), 'io-supervisor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fast: CrashPolicy = { maxCrashes: 3, windowMs: 60_000, baseDelayMs: 20, maxDelayMs: 1000 };

/** A node child that writes its pid to `pidFile`, then either runs until killed or exits with `exitCode`. */
function nodeService(name: string, pidFile: string, exitCode?: number) {
  const body = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));${
    exitCode === undefined
      ? 'setInterval(() => {}, 1000);'
      : `setTimeout(() => process.exit(${exitCode}), 30);`
  }`;
  return { name, command: process.execPath, args: ['-e', body], cwd: dir, env: process.env };
}

async function until<T>(fn: () => T | null | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const pidIn = (file: string) => (existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0);

describe('CrashHistory', () => {
  it('doubles the delay per crash within the window, caps it, and gives up at the limit', () => {
    const h = new CrashHistory({ maxCrashes: 5, windowMs: 60_000, baseDelayMs: 1000, maxDelayMs: 4000 });
    expect([0, 1, 2, 3].map((i) => h.record(i * 1000))).toEqual([
      { restart: true, delayMs: 1000 },
      { restart: true, delayMs: 2000 },
      { restart: true, delayMs: 4000 },
      { restart: true, delayMs: 4000 },
    ]);
    expect(h.record(59_999)).toEqual({ restart: false, crashes: 5 });
  });

  it('forgets crashes older than the window', () => {
    const h = new CrashHistory({ maxCrashes: 2, windowMs: 60_000, baseDelayMs: 1000, maxDelayMs: 30_000 });
    expect(h.record(0)).toEqual({ restart: true, delayMs: 1000 });
    expect(h.record(60_000)).toEqual({ restart: true, delayMs: 1000 });
    expect(h.record(61_000)).toEqual({ restart: false, crashes: 2 });
  });
});

describe('Supervisor', () => {
  it('restarts a service killed with SIGKILL and stops it for good on stopAll', async () => {
    const said: string[] = [];
    const supervisor = new Supervisor({ policy: fast, say: (l) => said.push(l) });
    const pidFile = join(dir, 'steady.pid');
    supervisor.start(nodeService('steady', pidFile));
    const first = await until(() => pidIn(pidFile));
    process.kill(first, 'SIGKILL');
    const second = await until(() => pidIn(pidFile) !== first && pidIn(pidFile));
    expect(said).toEqual(['steady exited (SIGKILL); restarting in 0.02 s (attempt 2)']);
    expect(alive(second)).toBe(true);

    await supervisor.stopAll();
    expect(alive(second)).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(pidIn(pidFile)).toBe(second);
    expect(said).toHaveLength(1);
  });

  it('treats a command that cannot be spawned as a crash', async () => {
    const said: string[] = [];
    let gaveUp = '';
    const supervisor = new Supervisor({
      policy: { ...fast, maxCrashes: 2 },
      say: (l) => said.push(l),
      onGiveUp: (n) => (gaveUp = n),
    });
    supervisor.start({ name: 'missing', command: join(dir, 'no-such-program'), args: [], cwd: dir, env: {} });
    await until(() => gaveUp);
    expect(said).toEqual([
      expect.stringMatching(
        /^missing exited \(could not start: spawn .*ENOENT\); restarting in 0\.02 s \(attempt 2\)$/,
      ),
      expect.stringMatching(
        /^missing exited \(could not start: .*ENOENT\): 2 crashes within 60 s; stopping the rest$/,
      ),
    ]);
  });

  it('stops every service, saying which one, when one keeps crashing', async () => {
    const said: string[] = [];
    let gaveUp = '';
    const supervisor = new Supervisor({
      policy: fast,
      say: (l) => said.push(l),
      onGiveUp: (n) => (gaveUp = n),
    });
    const steadyPid = join(dir, 'bystander.pid');
    supervisor.start(nodeService('bystander', steadyPid));
    supervisor.start(nodeService('crasher', join(dir, 'crasher.pid'), 3));
    await until(() => gaveUp);
    expect(gaveUp).toBe('crasher');
    expect(said).toEqual([
      'crasher exited (3); restarting in 0.02 s (attempt 2)',
      'crasher exited (3); restarting in 0.04 s (attempt 3)',
      'crasher exited (3): 3 crashes within 60 s; stopping the rest',
    ]);
    expect(alive(pidIn(steadyPid))).toBe(false);
  });
});
