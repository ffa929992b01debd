/** Contracts of the camera streams: what a frame is, where it goes, and what a stream reports about itself. */

/** One sampled camera frame, ready for the detectors (the same bytes a REST client would POST). */
export interface StreamFrame {
  /** The key of the stream in `edge-config.yaml` (`streams.<name>`). */
  streamName: string;
  /** Every detector that watches this camera; the backbone should run once for all of them. */
  detectorIds: readonly string[];
  /** JPEG bytes (cropped and resized as configured). */
  image: Buffer;
  contentType: 'image/jpeg';
  /** When the edge received the decoded frame from ffmpeg (not the camera's own clock). */
  capturedAt: Date;
}

/**
 * Where frames go. The gateway implements it with the same path as REST image queries. A stream never has more
 * than one call in flight: while a call runs, new frames wait in a small ring (the oldest is dropped when it is
 * full), so a slow sink costs dropped frames, never memory. A rejection is counted and logged, then the stream
 * goes on with the next frame.
 */
export type FrameSink = (frame: StreamFrame) => Promise<void>;

/**
 * - `connecting`: ffmpeg is running and no frame has arrived yet in this session.
 * - `streaming`: frames are arriving.
 * - `backoff`: the camera dropped, refused or stalled (see `lastError`); waiting `nextAttemptAt` to reconnect.
 * - `error`: the stream cannot run until its config changes (an env var of the URL is not set, ffmpeg missing).
 * - `stopped`: removed from the config or the manager stopped.
 */
export type StreamState = 'connecting' | 'streaming' | 'backoff' | 'error' | 'stopped';

export const STREAM_STATES: readonly StreamState[] = [
  'connecting',
  'streaming',
  'backoff',
  'error',
  'stopped',
];

/** Counters kept per stream name; they survive a config update of the stream (not its removal). */
export interface StreamCounters {
  framesRead: number;
  framesSubmitted: number;
  framesDropped: number;
  framesSkippedMotion: number;
  sinkErrors: number;
  reconnects: number;
}

/** A plain snapshot of one stream (safe to serialise: the URL is redacted, no credentials anywhere). */
export interface StreamStatus extends StreamCounters {
  name: string;
  /** The configured URL with user info and query redacted. */
  url: string;
  transport: 'tcp' | 'udp';
  detectorIds: string[];
  state: StreamState;
  lastError: string | null;
  lastErrorAt: string | null;
  lastFrameAt: string | null;
  lastSubmittedAt: string | null;
  /** Set while `state` is `backoff`. */
  nextAttemptAt: string | null;
  /** Frames waiting for the sink right now (≤ the ring size). */
  pendingFrames: number;
  /** Fraction of changed pixels of the last frame vs the last submitted one (null without motion gating). */
  lastMotionScore: number | null;
}
