/**
 * Prometheus metrics of the camera streams, registered on the registry the gateway passes in (its /metrics
 * registry). Counters are incremented as things happen; the state and last-frame gauges are read from the
 * streams' status when scraped. A removed stream's series are removed with it.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { STREAM_STATES, type StreamCounters, type StreamStatus } from './stream.types';

type CounterName = keyof StreamCounters;

const COUNTERS: Record<CounterName, { name: string; help: string }> = {
  framesRead: { name: 'edge_stream_frames_read_total', help: 'Sampled frames read from the camera' },
  framesSubmitted: {
    name: 'edge_stream_frames_submitted_total',
    help: 'Frames handed to the detectors (image-query path)',
  },
  framesDropped: {
    name: 'edge_stream_frames_dropped_total',
    help: 'Frames dropped because the pending ring was full (the detectors were slower than the camera rate)',
  },
  framesSkippedMotion: {
    name: 'edge_stream_frames_skipped_motion_total',
    help: 'Frames not submitted because too little changed since the last submitted frame',
  },
  sinkErrors: { name: 'edge_stream_sink_errors_total', help: 'Submitted frames whose image query failed' },
  reconnects: {
    name: 'edge_stream_reconnects_total',
    help: 'Reconnections after the camera dropped, refused or stalled',
  },
};

export class StreamMetrics {
  private readonly counters: Record<CounterName, Counter<'stream'>>;
  private readonly gaugeNames = [
    'edge_stream_state',
    'edge_stream_last_frame_timestamp_seconds',
    'edge_stream_pending_frames',
  ] as const;

  constructor(registry: Registry, statuses: () => readonly StreamStatus[]) {
    const registers = [registry];
    const entries = Object.entries(COUNTERS) as [CounterName, { name: string; help: string }][];
    this.counters = Object.fromEntries(
      entries.map(([key, m]) => [key, new Counter({ ...m, labelNames: ['stream'], registers })]),
    ) as Record<CounterName, Counter<'stream'>>;
    new Gauge({
      name: this.gaugeNames[0],
      help: 'Current state of each stream (1 for the state it is in, 0 for the others)',
      labelNames: ['stream', 'state'],
      registers,
      collect() {
        this.reset();
        for (const s of statuses()) {
          for (const state of STREAM_STATES) this.set({ stream: s.name, state }, s.state === state ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: this.gaugeNames[1],
      help: 'Unix time of the last frame read from each stream',
      labelNames: ['stream'],
      registers,
      collect() {
        this.reset();
        for (const s of statuses()) {
          if (s.lastFrameAt) this.set({ stream: s.name }, Date.parse(s.lastFrameAt) / 1000);
        }
      },
    });
    new Gauge({
      name: this.gaugeNames[2],
      help: 'Frames waiting for the detectors in each stream ring',
      labelNames: ['stream'],
      registers,
      collect() {
        this.reset();
        for (const s of statuses()) this.set({ stream: s.name }, s.pendingFrames);
      },
    });
  }

  inc(stream: string, counter: CounterName): void {
    this.counters[counter].inc({ stream });
  }

  /** Starts every counter of a new stream at 0, so rates work from its first scrape. */
  add(stream: string): void {
    for (const c of Object.values(this.counters)) c.inc({ stream }, 0);
  }

  remove(stream: string): void {
    for (const c of Object.values(this.counters)) c.remove({ stream });
  }

  /** Unregisters every stream metric (the manager is being discarded, e.g. in tests). */
  unregister(registry: Registry): void {
    for (const m of [...Object.values(COUNTERS).map((c) => c.name), ...this.gaugeNames]) {
      registry.removeSingleMetric(m);
    }
  }
}
