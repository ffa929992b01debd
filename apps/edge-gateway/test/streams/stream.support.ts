/** Shared bits of the stream tests: a manager with a captured pino log, waiting, and ffmpeg children. */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { StreamConfigSchema, type StreamConfig } from '@intellioptics/schema';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { z } from 'zod';
import type { StreamManagerDeps } from '../../src/streams/stream.manager';
import { StreamManager } from '../../src/streams/stream.manager';
import { RecordingSink } from './recording.sink';

export const DET_A = 'det_2kVn8QxR4mT9wYb3ZcLp7HsJdFa';
export const DET_B = 'det_5hTq2WnB8rXc4LmZ9yKp3GsVeDa';

export interface Harness {
  manager: StreamManager;
  sink: RecordingSink;
  registry: Registry;
  logs: Record<string, unknown>[];
  logText: () => string;
}

export function createHarness(
  opts: { env?: Record<string, string>; options?: StreamManagerDeps['options'] } = {},
  /** The streams' own credentials, as STREAM_URL_ENV_ALLOWLIST would list them. */
  envAllowlist: readonly string[] = ['CAM_USER', 'CAM_PASS', 'CAM_TOKEN'],
): Harness {
  const logs: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const log = pino(
    { level: 'debug' },
    {
      write(line: string) {
        raw.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  const sink = new RecordingSink();
  const registry = new Registry();
  const manager = new StreamManager({
    sink: sink.sink,
    log,
    registry,
    env: opts.env ?? {},
    envAllowlist,
    options: { backoff: { initialMs: 300, maxMs: 1500 }, ...opts.options },
  });
  return { manager, sink, registry, logs, logText: () => raw.join('') };
}

export async function waitFor(
  what: string,
  check: () => boolean,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** ffmpeg processes whose parent is this process (to prove none is left behind). */
export function ffmpegChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
      if (m && m[1] === 'ffmpeg' && Number(m[2]) === process.pid) pids.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return pids;
}

/** A stream entry as the config loader gives it (parsed by the real schema, defaults filled in). */
export function streamConfig(input: z.input<typeof StreamConfigSchema>): StreamConfig {
  return StreamConfigSchema.parse(input);
}
