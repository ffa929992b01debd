/**
 * Runs the cameras of `edge-config.yaml` `streams`: one CameraStream (one ffmpeg) per entry. `apply(streams)` is
 * called with the whole section on every config load and reload and diffs by name and by config:
 * - a new name starts a stream; a name that is gone stops and forgets it (its metrics series too);
 * - a changed URL, rate, crop, resize, motion or transport restarts that stream's ffmpeg (counters are kept);
 * - a change of `detector_ids` alone is applied to the running stream without reconnecting.
 */
import type { StreamConfig } from '@intellioptics/schema';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger';
import { CameraStream, type CameraStreamOptions } from './camera.stream';
import { DEFAULT_BACKOFF, type BackoffOptions } from './reconnect.backoff';
import { StreamMetrics } from './stream.metrics';
import type { FrameSink, StreamCounters, StreamStatus } from './stream.types';

export interface StreamManagerDeps {
  sink: FrameSink;
  log: Logger;
  /** The registry the gateway serves on /metrics. */
  registry: Registry;
  /** Where `${VAR}` placeholders of stream URLs are read (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Names a stream URL may use as `${NAME}` (STREAM_URL_ENV_ALLOWLIST; default none). */
  envAllowlist?: readonly string[];
  options?: Partial<Omit<CameraStreamOptions, 'env' | 'envAllowlist' | 'backoff'>> & {
    backoff?: Partial<BackoffOptions>;
  };
}

export const DEFAULT_STREAM_OPTIONS: Omit<CameraStreamOptions, 'env' | 'envAllowlist'> = {
  ffmpegPath: 'ffmpeg',
  backoff: DEFAULT_BACKOFF,
  pendingFrames: 2,
  startupTimeoutMs: 20_000,
  stallTimeoutMs: 15_000,
  socketTimeoutMs: 10_000,
  defaultMotionMaxIntervalS: 60,
  jpegQuality: 3,
  killGraceMs: 3_000,
  random: Math.random,
  now: Date.now,
};

interface Entry {
  stream: CameraStream;
  /** The config minus detector_ids: what needs a new ffmpeg when it changes. */
  pipelineKey: string;
  counters: StreamCounters;
}

const zeroCounters = (): StreamCounters => ({
  framesRead: 0,
  framesSubmitted: 0,
  framesDropped: 0,
  framesSkippedMotion: 0,
  sinkErrors: 0,
  reconnects: 0,
});

export class StreamManager {
  private readonly entries = new Map<string, Entry>();
  private readonly metrics: StreamMetrics;
  private readonly options: CameraStreamOptions;
  /** apply() and stop() run one at a time, in call order. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: StreamManagerDeps) {
    const { backoff, ...rest } = deps.options ?? {};
    this.options = {
      ...DEFAULT_STREAM_OPTIONS,
      ...rest,
      backoff: { ...DEFAULT_STREAM_OPTIONS.backoff, ...backoff },
      env: deps.env ?? process.env,
      envAllowlist: deps.envAllowlist ?? [],
    };
    this.metrics = new StreamMetrics(deps.registry, () => this.status());
  }

  /** Makes the running streams match `streams` (the whole `streams` section). Resolves once stopped ones exited. */
  apply(streams: Readonly<Record<string, StreamConfig>>): Promise<void> {
    const snapshot = structuredClone(streams);
    return this.enqueue(() => this.reconcile(snapshot));
  }

  /** Stops every stream (gateway shutdown). The manager accepts no more apply() calls. */
  stop(): Promise<void> {
    return this.enqueue(async () => {
      this.closed = true;
      await this.reconcile({});
    });
  }

  /** One plain object per stream, in config order. */
  status(): StreamStatus[] {
    return [...this.entries.values()].map((e) => e.stream.status());
  }

  get(name: string): StreamStatus | undefined {
    return this.entries.get(name)?.stream.status();
  }

  /** Removes the stream metrics from the registry (after stop(), when the registry outlives the manager). */
  unregisterMetrics(): void {
    this.metrics.unregister(this.deps.registry);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reconcile(wanted: Record<string, StreamConfig>): Promise<void> {
    if (this.closed && Object.keys(wanted).length > 0) {
      this.deps.log.warn('stream manager is stopped; ignoring a streams config');
      return;
    }
    const stopping: Promise<void>[] = [];
    const toStart: { name: string; config: StreamConfig; counters: StreamCounters }[] = [];
    for (const [name, entry] of this.entries) {
      if (!(name in wanted)) {
        this.entries.delete(name);
        this.metrics.remove(name);
        this.deps.log.info({ stream: name }, 'camera stream removed');
        stopping.push(entry.stream.stop());
      }
    }
    for (const [name, config] of Object.entries(wanted)) {
      const existing = this.entries.get(name);
      const key = pipelineKey(config);
      if (!existing) {
        this.metrics.add(name);
        toStart.push({ name, config, counters: zeroCounters() });
      } else if (existing.pipelineKey !== key) {
        this.deps.log.info({ stream: name }, 'camera stream config changed; restarting it');
        stopping.push(existing.stream.stop());
        toStart.push({ name, config, counters: existing.counters });
      } else {
        existing.stream.setDetectorIds(config.detector_ids);
      }
    }
    await Promise.all(stopping);
    for (const { name, config, counters } of toStart) {
      const stream = new CameraStream(name, config, counters, {
        sink: this.deps.sink,
        log: this.deps.log,
        metrics: this.metrics,
        options: this.options,
      });
      this.entries.set(name, { stream, pipelineKey: pipelineKey(config), counters });
      stream.start();
    }
  }
}

/** A stable string of everything but detector_ids (key order does not matter). */
function pipelineKey(config: StreamConfig): string {
  const { detector_ids: _ids, ...rest } = config;
  return stableJson(rest);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
