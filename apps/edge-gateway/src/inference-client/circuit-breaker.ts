/**
 * A circuit breaker and an in-flight bound around the inference client, so a hung or failing inference
 * service costs requests a lookup, not a timeout each, and cannot pile up unbounded work.
 *
 * `breakerStep` is the pure state machine (circuit-breaker.test.ts pins it):
 *
 * | state     | event                           | next state                      | the call                    |
 * |-----------|---------------------------------|---------------------------------|-----------------------------|
 * | closed    | admit, in flight < max          | closed                          | goes                        |
 * | closed    | admit, in flight ≥ max          | closed                          | refused: saturated          |
 * | closed    | success                         | closed, failures = 0            |                             |
 * | closed    | failure (the K-th in a row)     | open until now + openMs         |                             |
 * | open      | admit before `until`            | open                            | refused: open               |
 * | open      | admit at/after `until`          | half-open, probe in flight      | goes (the probe)            |
 * | half-open | admit while the probe is out    | half-open                       | refused: open               |
 * | half-open | probe success                   | closed, failures = 0            |                             |
 * | half-open | probe failure                   | open until now + openMs         |                             |
 *
 * A refused call answers `{ kind: 'down' }` at once, as a down service would: the decision then escalates
 * when the detector allows it, or refuses with 503 + Retry-After (image-query.service.ts), well within the
 * request's time budget. Failures are the client's `down` outcomes (network error, timeout, 5xx); a refusal
 * of the image (4xx) or a missing model is an answer, not a failure.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { InferenceCall, InferenceClient, InferenceTarget } from './inference.client';

export type BreakerState =
  { kind: 'closed'; failures: number } | { kind: 'open'; until: number } | { kind: 'half_open' };

export interface BreakerConfig {
  /** Consecutive failures that open the breaker (INFERENCE_BREAKER_FAILURES). */
  failures: number;
  /** How long it stays open before one probe (INFERENCE_BREAKER_OPEN_S). */
  openMs: number;
  /** Calls in flight at most (INFERENCE_MAX_IN_FLIGHT). */
  maxInFlight: number;
}

export type BreakerEvent =
  { kind: 'admit'; now: number; inFlight: number } | { kind: 'success' } | { kind: 'failure'; now: number };

export type Admission = 'go' | 'probe' | 'open' | 'saturated';

export const CLOSED: BreakerState = { kind: 'closed', failures: 0 };

export function breakerStep(
  state: BreakerState,
  event: BreakerEvent,
  cfg: BreakerConfig,
): { state: BreakerState; admission?: Admission } {
  switch (event.kind) {
    case 'admit':
      if (state.kind === 'half_open') return { state, admission: 'open' };
      if (state.kind === 'open') {
        return event.now < state.until
          ? { state, admission: 'open' }
          : { state: { kind: 'half_open' }, admission: 'probe' };
      }
      return { state, admission: event.inFlight >= cfg.maxInFlight ? 'saturated' : 'go' };
    case 'success':
      return { state: CLOSED };
    case 'failure':
      if (state.kind === 'closed' && state.failures + 1 < cfg.failures) {
        return { state: { kind: 'closed', failures: state.failures + 1 } };
      }
      return { state: { kind: 'open', until: event.now + cfg.openMs } };
  }
}

export interface BreakerObserver {
  /** A call refused without reaching the service. */
  refused?(why: 'open' | 'saturated'): void;
  /** The breaker changed state. */
  changed?(to: BreakerState['kind']): void;
}

/** The InferenceClient with the breaker and the in-flight bound in front of it. */
export class CircuitBreakingInferenceClient implements InferenceClient {
  private state: BreakerState = CLOSED;
  private inFlight = 0;

  constructor(
    private readonly inner: InferenceClient,
    private readonly cfg: BreakerConfig,
    private readonly observer: BreakerObserver = {},
    private readonly now: () => number = Date.now,
  ) {}

  get breakerState(): BreakerState['kind'] {
    return this.state.kind;
  }

  get callsInFlight(): number {
    return this.inFlight;
  }

  /** Seconds a refused caller should wait before retrying. */
  retryAfterS(): number {
    const wait = this.state.kind === 'open' ? this.state.until - this.now() : 1000;
    return Math.max(1, Math.ceil(wait / 1000));
  }

  infer(
    detectorId: string | InferenceTarget,
    image: Uint8Array,
    contentType: string,
  ): Promise<InferenceCall> {
    return this.guard(
      () => this.inner.infer(detectorId, image, contentType),
      (c) => c.kind === 'down',
      (down) => down,
    );
  }

  inferMany(
    detectorIds: readonly (string | InferenceTarget)[],
    image: Uint8Array,
    contentType: string,
  ): Promise<Map<string, InferenceCall>> {
    return this.guard(
      () => this.inner.inferMany(detectorIds, image, contentType),
      (m) => m.size > 0 && [...m.values()].every((c) => c.kind === 'down'),
      (down) => new Map(detectorIds.map((t) => [typeof t === 'string' ? t : t.id, down])),
    );
  }

  ready(): Promise<boolean> {
    return this.inner.ready();
  }

  close(): void {
    this.inner.close();
  }

  private async guard<T>(
    call: () => Promise<T>,
    failed: (result: T) => boolean,
    refusedAs: (down: InferenceCall & { kind: 'down' }) => T,
  ): Promise<T> {
    const admitted = this.step({ kind: 'admit', now: this.now(), inFlight: this.inFlight });
    if (admitted === 'open' || admitted === 'saturated') {
      this.observer.refused?.(admitted);
      return refusedAs({
        kind: 'down',
        message:
          admitted === 'open'
            ? 'inference circuit breaker open (the service kept failing or timing out)'
            : `inference saturated (${this.inFlight} calls in flight)`,
      });
    }
    this.inFlight++;
    try {
      const result = await call();
      this.step(failed(result) ? { kind: 'failure', now: this.now() } : { kind: 'success' });
      return result;
    } catch (e) {
      this.step({ kind: 'failure', now: this.now() });
      throw e;
    } finally {
      this.inFlight--;
    }
  }

  private step(event: BreakerEvent): Admission | undefined {
    const before = this.state.kind;
    const { state, admission } = breakerStep(this.state, event, this.cfg);
    this.state = state;
    if (state.kind !== before) this.observer.changed?.(state.kind);
    return admission;
  }
}

/** `edge_inference_breaker_open` (1 while open or half-open) and `edge_inference_refused_total{why}`. */
export function breakerMetrics(
  registry: Registry,
  client: () => CircuitBreakingInferenceClient | null,
): BreakerObserver {
  new Gauge({
    name: 'edge_inference_breaker_open',
    help: 'Whether the inference circuit breaker is open or half-open (1) or closed (0)',
    registers: [registry],
    collect() {
      this.set(client()?.breakerState === 'closed' ? 0 : 1);
    },
  });
  const refused = new Counter({
    name: 'edge_inference_refused_total',
    help: 'Inference calls refused without reaching the service: breaker open, or INFERENCE_MAX_IN_FLIGHT reached',
    labelNames: ['why'],
    registers: [registry],
  });
  return { refused: (why) => refused.inc({ why }) };
}
