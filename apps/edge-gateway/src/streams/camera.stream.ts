/**
 * One camera: an ffmpeg child that pulls the RTSP stream and hands sampled JPEG frames to the sink, restarted
 * with capped, jittered exponential backoff whenever it drops, refuses, stalls or exits. Never throws: every
 * failure becomes a state (`backoff`, or `error` when retrying cannot help) with a redacted `lastError`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { expandStreamUrl, type StreamConfig } from '@intellioptics/schema';
import type { Logger } from '../logger';
import { buildFfmpegArgs, sampleRate } from './ffmpeg.args';
import { FrameRing } from './frame.ring';
import { JpegFrameSplitter } from './jpeg-frame.splitter';
import { MOTION_FRAME_BYTES, MotionGate } from './motion.gate';
import { ReconnectBackoff, type BackoffOptions } from './reconnect.backoff';
import { streamUrlEnv } from './stream-url.env';
import { makeRedactor, redactUrl, secretPlaceholders, type Redactor } from './stream-url.redact';
import type { StreamMetrics } from './stream.metrics';
import type { FrameSink, StreamCounters, StreamFrame, StreamState, StreamStatus } from './stream.types';

export interface CameraStreamOptions {
  ffmpegPath: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The only names a URL may use as `${NAME}` (STREAM_URL_ENV_ALLOWLIST), never in its host part. */
  envAllowlist: readonly string[];
  backoff: BackoffOptions;
  /** Frames that may wait for the sink per stream; the oldest is dropped beyond this. */
  pendingFrames: number;
  /** A session that yields no frame this long after ffmpeg starts is restarted (ms). */
  startupTimeoutMs: number;
  /** Restart when no frame came for max(this, 3 sampling intervals) (ms). */
  stallTimeoutMs: number;
  /** ffmpeg's socket I/O timeout (ms). */
  socketTimeoutMs: number;
  /** `motion.max_interval_s` when the config leaves it out (s). */
  defaultMotionMaxIntervalS: number;
  jpegQuality: number;
  /** Time between SIGTERM and SIGKILL when stopping ffmpeg (ms). */
  killGraceMs: number;
  random: () => number;
  now: () => number;
}

export interface CameraStreamDeps {
  sink: FrameSink;
  log: Logger;
  metrics: StreamMetrics;
  options: CameraStreamOptions;
}

interface SessionEnd {
  /** Retrying cannot help (ffmpeg is not installed). */
  fatal: boolean;
  hadFrames: boolean;
  error: string;
}

const STDERR_LINES = 20;
const SINK_ERROR_LOG_INTERVAL_MS = 30_000;
/** Sink calls still running when the stream stops are awaited at most this long. */
const STOP_SINK_WAIT_MS = 5_000;
/**
 * ffmpeg writes its two outputs unevenly at start-up (the JPEG pipe can run 10–20 frames ahead of the grey one
 * while the sampler catches up on the probe window). Frames are paired by position, so an unpaired JPEG beyond
 * the newest few is released and kept as a placeholder: memory stays bounded, pairing stays aligned, and the
 * released frames (stale start-up frames) are counted as dropped.
 */
const MAX_HELD_JPEGS = 4;
/** Frames one output may run ahead of the other before the session is declared broken. */
const MAX_UNPAIRED = 256;

export class CameraStream {
  private state: StreamState = 'connecting';
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;
  private lastFrameAt: number | null = null;
  private lastSubmittedAt: number | null = null;
  private nextAttemptAt: number | null = null;
  private lastMotionScore: number | null = null;
  private detectorIds: string[];
  private readonly ring: FrameRing<StreamFrame>;
  private readonly backoff: ReconnectBackoff;
  private readonly log: Logger;
  private redact: Redactor = makeRedactor([]);
  private child: ChildProcess | null = null;
  private inFlight: Promise<void> | null = null;
  private stopping = false;
  private cancelSleep: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private sinkErrorLoggedAt = -Infinity;
  private sinkErrorsSuppressed = 0;

  constructor(
    readonly name: string,
    readonly config: StreamConfig,
    private readonly counters: StreamCounters,
    private readonly deps: CameraStreamDeps,
  ) {
    this.detectorIds = [...config.detector_ids];
    this.ring = new FrameRing(deps.options.pendingFrames);
    this.backoff = new ReconnectBackoff(deps.options.backoff, deps.options.random);
    this.log = deps.log.child({ stream: name });
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops ffmpeg, forgets pending frames and waits for the process (and a running sink call, briefly). */
  async stop(): Promise<void> {
    this.stopping = true;
    // Frames still waiting will never be submitted: count them as dropped so the counters add up.
    for (let n = this.ring.size; n > 0; n--) this.count('framesDropped');
    this.ring.clear();
    this.cancelSleep?.();
    if (this.child) this.kill(this.child);
    await this.loop;
    if (this.inFlight) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.inFlight,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_SINK_WAIT_MS))),
      ]);
      clearTimeout(timer);
    }
    this.state = 'stopped';
    this.nextAttemptAt = null;
  }

  /** A change of detectors only: the running ffmpeg is kept, the next frame goes to the new list. */
  setDetectorIds(ids: readonly string[]): void {
    this.detectorIds = [...ids];
  }

  status(): StreamStatus {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      name: this.name,
      url: redactUrl(this.config.url),
      transport: this.config.transport,
      detectorIds: [...this.detectorIds],
      state: this.state,
      lastError: this.lastError,
      lastErrorAt: iso(this.lastErrorAt),
      lastFrameAt: iso(this.lastFrameAt),
      lastSubmittedAt: iso(this.lastSubmittedAt),
      nextAttemptAt: iso(this.nextAttemptAt),
      pendingFrames: this.ring.size,
      lastMotionScore: this.lastMotionScore,
      ...this.counters,
    };
  }

  private now(): number {
    return this.deps.options.now();
  }

  private count(counter: keyof StreamCounters): void {
    this.counters[counter] += 1;
    this.deps.metrics.inc(this.name, counter);
  }

  private setError(state: 'backoff' | 'error', message: string): void {
    this.state = state;
    this.lastError = this.redact(message);
    this.lastErrorAt = this.now();
  }

  private async run(): Promise<void> {
    const { options } = this.deps;
    try {
      const allowed = streamUrlEnv(this.config.url, options.env, options.envAllowlist);
      if (!allowed.ok) {
        this.setError('error', allowed.problem);
        this.log.error({ url: redactUrl(this.config.url), err: this.lastError }, 'camera stream not started');
        return;
      }
      const expanded = expandStreamUrl(this.config.url, allowed.env);
      if (!expanded.ok) {
        this.setError('error', `environment variable(s) not set: ${expanded.missing.join(', ')}`);
        this.log.error({ url: redactUrl(this.config.url), err: this.lastError }, 'camera stream not started');
        return;
      }
      this.redact = makeRedactor([...secretValues(this.config.url, expanded.url, options.env)]);
      const args = buildFfmpegArgs(this.config, expanded.url, {
        jpegQuality: options.jpegQuality,
        socketTimeoutMs: options.socketTimeoutMs,
      });
      let attempt = 0;
      while (!this.stopping) {
        if (attempt++ > 0) this.count('reconnects');
        this.state = 'connecting';
        this.log.debug({ url: redactUrl(this.config.url), attempt }, 'connecting to camera');
        const end = await this.session(args);
        if (this.stopping) break;
        if (end.fatal) {
          this.setError('error', end.error);
          this.log.error({ err: this.lastError }, 'camera stream cannot run');
          return;
        }
        const delay = this.backoff.next();
        this.setError('backoff', end.error);
        this.nextAttemptAt = this.now() + delay;
        this.log.warn(
          { err: this.lastError, retryInMs: delay, failures: this.backoff.consecutiveFailures },
          end.hadFrames ? 'camera stream dropped; reconnecting' : 'cannot read camera stream; retrying',
        );
        await this.sleep(delay);
        this.nextAttemptAt = null;
      }
    } catch (e) {
      this.setError('error', e instanceof Error ? e.message : String(e));
      this.log.error({ err: this.lastError }, 'camera stream failed');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.cancelSleep = done;
    }).finally(() => {
      this.cancelSleep = null;
    });
  }

  private kill(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, this.deps.options.killGraceMs).unref();
  }

  /** One ffmpeg run, from spawn to exit. Resolves (never rejects) with why it ended. */
  private session(args: string[]): Promise<SessionEnd> {
    const { options } = this.deps;
    const fps = sampleRate(this.config) ?? 1;
    const stallMs = Math.max(options.stallTimeoutMs, 3000 / fps);
    const gate = this.config.motion
      ? new MotionGate(
          this.config.motion.threshold,
          (this.config.motion.max_interval_s ?? options.defaultMotionMaxIntervalS) * 1000,
        )
      : null;

    return new Promise<SessionEnd>((resolve) => {
      const child = spawn(options.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
      this.child = child;
      const splitter = new JpegFrameSplitter();
      const jpegs: (Buffer | null)[] = [];
      let heldJpegs = 0;
      const greys: Buffer[] = [];
      let greyPending: Buffer = Buffer.alloc(0);
      const stderrTail: string[] = [];
      let stderrPartial = '';
      let hadFrames = false;
      let reason: string | null = null;
      let fatal = false;
      let settled = false;
      let watchdog: NodeJS.Timeout | undefined;

      const abort = (why: string) => {
        reason ??= why;
        this.kill(child);
      };
      const arm = (ms: number, why: string) => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => abort(why), ms);
      };
      arm(options.startupTimeoutMs, `no frame within ${seconds(options.startupTimeoutMs)} s of connecting`);

      const pair = () => {
        while (jpegs.length > 0 && greys.length > 0) {
          const jpeg = jpegs.shift()!;
          const grey = greys.shift()!;
          if (jpeg) heldJpegs -= 1;
          if (!hadFrames) {
            hadFrames = true;
            this.backoff.reset();
            this.state = 'streaming';
            this.log.info({ url: redactUrl(this.config.url) }, 'camera streaming');
          }
          arm(stallMs, `no frame for ${seconds(stallMs)} s (camera stalled)`);
          if (this.stopping) continue;
          if (jpeg) this.onFrame(jpeg, grey, gate);
          else {
            this.count('framesRead');
            this.count('framesDropped');
          }
        }
        if (jpegs.length > MAX_UNPAIRED || greys.length > MAX_UNPAIRED) {
          abort('ffmpeg outputs went out of step');
        }
      };

      (child.stdout as Readable).on('data', (chunk: Buffer) => {
        try {
          for (const frame of splitter.push(chunk)) {
            jpegs.push(frame);
            heldJpegs += 1;
          }
          for (let i = 0; heldJpegs > MAX_HELD_JPEGS && i < jpegs.length; i++) {
            if (jpegs[i]) {
              jpegs[i] = null;
              heldJpegs -= 1;
            }
          }
        } catch (e) {
          abort(e instanceof Error ? e.message : String(e));
          return;
        }
        pair();
      });
      (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
        greyPending = greyPending.length === 0 ? chunk : Buffer.concat([greyPending, chunk]);
        while (greyPending.length >= MOTION_FRAME_BYTES) {
          greys.push(Buffer.from(greyPending.subarray(0, MOTION_FRAME_BYTES)));
          greyPending = greyPending.subarray(MOTION_FRAME_BYTES);
        }
        pair();
      });
      const stderr = child.stderr as Readable;
      stderr.setEncoding('utf8');
      stderr.on('data', (text: string) => {
        const lines = (stderrPartial + text).split('\n');
        stderrPartial = (lines.pop() ?? '').slice(-1000);
        for (const line of lines) {
          const clean = line.trim();
          if (!clean) continue;
          stderrTail.push(clean.slice(0, 500));
          if (stderrTail.length > STDERR_LINES) stderrTail.shift();
        }
      });

      const finish = (exit: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        if (this.child === child) this.child = null;
        const said = [...stderrTail, stderrPartial.trim()].filter(Boolean);
        const last = said.filter((l) => !/Exiting normally|received signal/i.test(l)).at(-1);
        const error = reason ?? last ?? (hadFrames ? `stream ended (${exit})` : `ffmpeg exited (${exit})`);
        if (said.length > 0) this.log.debug({ ffmpeg: said.map((l) => this.redact(l)) }, 'ffmpeg said');
        resolve({ fatal, hadFrames, error });
      };
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') {
          fatal = true;
          reason = `ffmpeg not found at "${options.ffmpegPath}" (install it: apt-get install -y ffmpeg)`;
        } else reason ??= `ffmpeg: ${e.message}`;
        if (child.pid === undefined) finish('spawn failed');
      });
      child.on('close', (code, signal) => finish(signal ? `signal ${signal}` : `code ${code}`));
    });
  }

  private onFrame(jpeg: Buffer, grey: Buffer, gate: MotionGate | null): void {
    this.count('framesRead');
    const now = this.now();
    this.lastFrameAt = now;
    if (gate) {
      const verdict = gate.check(grey, now);
      if (verdict.score !== null) this.lastMotionScore = verdict.score;
      if (!verdict.submit) {
        this.count('framesSkippedMotion');
        return;
      }
    }
    const dropped = this.ring.push({
      streamName: this.name,
      detectorIds: this.detectorIds,
      image: jpeg,
      contentType: 'image/jpeg',
      capturedAt: new Date(now),
    });
    if (dropped) this.count('framesDropped');
    this.pump();
  }

  /** Hands the oldest pending frame to the sink when no call is running (one call in flight per stream). */
  private pump(): void {
    if (this.inFlight || this.stopping) return;
    const frame = this.ring.shift();
    if (!frame) return;
    this.count('framesSubmitted');
    this.lastSubmittedAt = this.now();
    const { sink } = this.deps;
    this.inFlight = Promise.resolve()
      .then(() => sink(frame))
      .catch((e: unknown) => this.onSinkError(e))
      .finally(() => {
        this.inFlight = null;
        this.pump();
      });
  }

  private onSinkError(e: unknown): void {
    this.count('sinkErrors');
    const now = this.now();
    if (now - this.sinkErrorLoggedAt < SINK_ERROR_LOG_INTERVAL_MS) {
      this.sinkErrorsSuppressed += 1;
      return;
    }
    this.log.warn(
      { err: this.redact(e instanceof Error ? e.message : String(e)), suppressed: this.sinkErrorsSuppressed },
      'frame submission failed',
    );
    this.sinkErrorLoggedAt = now;
    this.sinkErrorsSuppressed = 0;
  }
}

const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);

/** Values to scrub from ffmpeg's messages: env values used as credentials, and the URL's own user info. */
function secretValues(
  template: string,
  expanded: string,
  env: Readonly<Record<string, string | undefined>>,
): Set<string> {
  const out = new Set<string>();
  for (const name of secretPlaceholders(template)) {
    const value = env[name];
    if (value) out.add(value);
  }
  try {
    const u = new URL(expanded);
    for (const part of [u.username, u.password]) {
      if (part) {
        out.add(part);
        out.add(decodeURIComponent(part));
      }
    }
  } catch {
    // The schema checked the URL's shape; nothing more to scrub if it still does not parse.
  }
  return out;
}
