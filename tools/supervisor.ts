/**
 * The process supervisor behind `npm start`: each service is a child process with prefixed, coloured logs. A
 * service that exits on its own is restarted with a doubling delay (the local counterpart of compose's
 * `restart: unless-stopped`); one that keeps crashing stops the platform, since restarting it again would only
 * hide the cause in a scrolling log.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface CrashPolicy {
  /** This many crashes of one service within `windowMs` stop everything. */
  maxCrashes: number;
  windowMs: number;
  /** The first restart waits this long; each further crash in the window doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_CRASH_POLICY: CrashPolicy = {
  maxCrashes: 5,
  windowMs: 60_000,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
};

export type CrashVerdict = { restart: true; delayMs: number } | { restart: false; crashes: number };

/** One service's recent crashes and what the next one means. */
export class CrashHistory {
  private crashes: number[] = [];

  constructor(private readonly policy: CrashPolicy = DEFAULT_CRASH_POLICY) {}

  record(now: number): CrashVerdict {
    this.crashes = this.crashes.filter((t) => now - t < this.policy.windowMs);
    this.crashes.push(now);
    const n = this.crashes.length;
    if (n >= this.policy.maxCrashes) return { restart: false, crashes: n };
    return {
      restart: true,
      delayMs: Math.min(this.policy.baseDelayMs * 2 ** (n - 1), this.policy.maxDelayMs),
    };
  }
}

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Polled after a restart so the log says when the service answers again. */
  readyUrl?: string;
}

interface Service {
  spec: ServiceSpec;
  colour: string;
  child?: ChildProcess;
  starts: number;
  crashes: CrashHistory;
  restartTimer?: NodeJS.Timeout;
}

const COLOURS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m'];
const RESET = '\x1b[0m';

const seconds = (ms: number) => `${ms / 1000} s`;

export interface SupervisorOptions {
  policy?: CrashPolicy;
  /** Lines from the supervisor itself (restarts, stops). */
  say?: (line: string) => void;
  /** Called once when a service keeps crashing; the supervisor has stopped every service by then. */
  onGiveUp?: (name: string) => void;
}

export class Supervisor {
  private readonly services: Service[] = [];
  private stopping = false;
  private readonly say: (line: string) => void;

  constructor(private readonly options: SupervisorOptions = {}) {
    this.say = options.say ?? ((line) => console.error(line));
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  start(spec: ServiceSpec): void {
    const service: Service = {
      spec,
      colour: COLOURS[this.services.length % COLOURS.length]!,
      starts: 0,
      crashes: new CrashHistory(this.options.policy),
    };
    this.services.push(service);
    this.launch(service);
  }

  private launch(service: Service): void {
    const { spec } = service;
    service.starts += 1;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...childLogHints(process.stdout), ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service.child = child;
    child.stdout.on('data', (c: Buffer) => prefixLines(spec.name, service.colour, c, process.stdout));
    child.stderr.on('data', (c: Buffer) => prefixLines(spec.name, service.colour, c, process.stderr));
    let ended = false;
    const end = (how: string) => {
      if (ended) return;
      ended = true;
      this.exited(service, how);
    };
    child.once('exit', (code, signal) => end(signal ?? String(code)));
    // A command that cannot be spawned at all (ENOENT, EACCES) reports only here: no 'exit' follows.
    child.on('error', (err) => {
      if (child.pid === undefined) end(`could not start: ${err.message}`);
    });
  }

  private exited(service: Service, how: string): void {
    if (this.stopping) return;
    const { name } = service.spec;
    const verdict = service.crashes.record(Date.now());
    if (!verdict.restart) {
      const window = seconds(this.options.policy?.windowMs ?? DEFAULT_CRASH_POLICY.windowMs);
      this.say(`${name} exited (${how}): ${verdict.crashes} crashes within ${window}; stopping the rest`);
      void this.stopAll().then(() => this.options.onGiveUp?.(name));
      return;
    }
    this.say(
      `${name} exited (${how}); restarting in ${seconds(verdict.delayMs)} (attempt ${service.starts + 1})`,
    );
    service.restartTimer = setTimeout(() => {
      service.restartTimer = undefined;
      if (this.stopping) return;
      this.launch(service);
      if (service.spec.readyUrl) void this.announceReady(service, service.spec.readyUrl);
    }, verdict.delayMs);
  }

  private async announceReady(service: Service, url: string): Promise<void> {
    const child = service.child;
    const ready = await waitReady(url, 120, () => this.stopping || service.child !== child);
    if (ready && service.child === child) this.say(`${service.spec.name} is back and ready`);
  }

  /** SIGTERM to every running service (SIGKILL after 10 s); pending restarts are cancelled. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const s of this.services) clearTimeout(s.restartTimer);
    const alive = this.services
      .map((s) => s.child)
      .filter(
        (child): child is ChildProcess => !!child && child.exitCode === null && child.signalCode === null,
      );
    await Promise.all(
      alive.map(
        (child) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}

function prefixLines(name: string, colour: string, chunk: Buffer, out: NodeJS.WriteStream): void {
  for (const line of chunk.toString().split('\n')) {
    if (line.trim()) out.write(`${colour}${name.padEnd(13)}${RESET}| ${line}\n`);
  }
}

/** Polls `url` until it answers 2xx, `seconds` pass, or `cancelled()` says to stop. */
export async function waitReady(url: string, seconds: number, cancelled = () => false): Promise<boolean> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end && !cancelled()) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/**
 * Children write to a pipe, so they would log JSON: when a person watches this supervisor's terminal, they are
 * told to log pretty (and in colour if the terminal has colours). A LOG_FORMAT or FORCE_COLOR the caller set wins.
 */
export function childLogHints(stdout: {
  isTTY?: boolean;
  hasColors?: () => boolean;
}): Record<string, string> {
  if (stdout.isTTY !== true) return {};
  return { LOG_FORMAT: 'pretty', ...(stdout.hasColors?.() === true ? { FORCE_COLOR: '1' } : {}) };
}
