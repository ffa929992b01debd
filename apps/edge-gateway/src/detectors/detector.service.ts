/**
 * Detectors read through a cache of the cloud's (docs/REST-COMPAT.md: refresh after 60 s, keep stale on
 * failure). The cache is persisted in the state store, so an edge that restarts offline still knows every
 * detector it has seen. A detector the cloud has never described can still be answered offline when
 * edge-config.yaml describes it (mode, query, threshold).
 */
import { IntelliOpticsError, type Detector, type EdgeDetectorConfig } from '@intellioptics/schema';
import type { CloudClient } from '../cloud-client/cloud.client';
import type { Logger } from '../logger';
import { LruMap } from '../auth/lru-map';
import type { DetectorCacheRepository } from '../store/detector-cache.repository';

/** Printable, no path or query characters, bounded: anything else cannot name a detector anywhere. */
const PLAUSIBLE_ID = /^[A-Za-z0-9_.:-]{1,200}$/;

interface CacheEntry {
  detector: Detector;
  fetchedAt: number;
}

export class DetectorService {
  // Bounded (DETECTOR_CACHE_MAX): ids come from callers, so neither map may grow with what they send.
  private readonly cache: LruMap<string, CacheEntry>;
  private readonly inflight = new Map<string, Promise<CacheEntry | 'not_found' | null>>();
  /** When the cloud last failed to describe a detector we only know from the config (no retry storm offline). */
  private readonly missedAt: LruMap<string, number>;
  private timer: NodeJS.Timeout | null = null;
  /** Detectors this edge has been asked about (they get models, like configured ones). */
  private readonly queried = new Set<string>();
  private lastListAt = 0;

  constructor(
    private readonly deps: {
      cloud: CloudClient;
      store: Pick<DetectorCacheRepository, 'save' | 'loadAll' | 'delete'>;
      /** Detectors the edge has image queries for (it has been asked about them before a restart). */
      queriedDetectorIds: () => Promise<string[]>;
      log: Logger;
      refreshMs: number;
      /** Detectors described in edge-config.yaml (for offline answers). */
      configured: () => Record<string, EdgeDetectorConfig>;
      maxCached?: number;
      now?: () => number;
    },
  ) {
    this.cache = new LruMap(deps.maxCached ?? 10_000);
    this.missedAt = new LruMap(deps.maxCached ?? 10_000);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async init(): Promise<void> {
    for (const id of await this.deps.queriedDetectorIds()) this.queried.add(id);
    for (const row of await this.deps.store.loadAll()) {
      try {
        this.cache.set(row.id, { detector: JSON.parse(row.json) as Detector, fetchedAt: row.fetchedAt });
      } catch {
        // a corrupt row is refetched
      }
    }
  }

  /** Periodic refresh of the whole list (keeps stale entries when the cloud is unreachable). */
  start(): void {
    const tick = () => void this.refreshAll();
    tick();
    this.timer = setInterval(tick, Math.max(1000, this.deps.refreshMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async refreshAll(): Promise<boolean> {
    const r = await this.deps.cloud.listDetectors();
    if (r.kind !== 'ok') {
      this.deps.log.debug({ result: r.kind }, 'detector list refresh failed; keeping the cached list');
      return false;
    }
    const now = this.now();
    this.lastListAt = now;
    for (const d of r.value) await this.put(d, now);
    return true;
  }

  /**
   * The detector, from the cache when fresh; stale entries are returned at once and refreshed in the
   * background. Unknown: asks the cloud; 404 → DETECTOR_NOT_FOUND; unreachable → config description or 503.
   */
  async get(id: string, token: string | null): Promise<Detector> {
    const hit = this.cache.get(id);
    if (hit) {
      if (this.now() - hit.fetchedAt > this.deps.refreshMs) void this.fetch(id, token);
      return hit.detector;
    }
    const fromConfigFirst = this.fromConfig(id);
    // An id no detector can have (control characters, absurd length) is not worth a cloud round trip, and the
    // cloud's 400 for it must not read as "unreachable".
    if (!fromConfigFirst && !PLAUSIBLE_ID.test(id)) {
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', 'No detector has that id.');
    }
    const missed = this.missedAt.get(id);
    if (
      fromConfigFirst &&
      missed !== undefined &&
      this.now() - missed < Math.min(10_000, this.deps.refreshMs)
    ) {
      return fromConfigFirst;
    }
    const fetched = await this.fetch(id, token);
    if (fetched === null || fetched === 'not_found') this.missedAt.set(id, this.now());
    // A detector described only in edge-config.yaml (an offline edge) is served as configured.
    if (fetched === 'not_found' && fromConfigFirst) return fromConfigFirst;
    if (fetched === 'not_found') {
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${id}.`);
    }
    if (fetched) return fetched.detector;
    if (fromConfigFirst) return fromConfigFirst;
    throw new IntelliOpticsError(
      'CLOUD_UNREACHABLE',
      `The edge has not seen detector ${id} yet and the cloud cannot be reached to look it up; retry later.`,
    );
  }

  /**
   * The cloud's description of a detector it just created or changed through this edge: the edge answers with
   * it at once (read-your-writes), not after the next refresh.
   */
  async remember(detector: Detector): Promise<void> {
    this.missedAt.delete(detector.id);
    await this.put(detector, this.now());
  }

  /** A detector the cloud deleted through this edge: no longer listed nor answered here. */
  async forget(id: string): Promise<void> {
    this.cache.delete(id);
    this.queried.delete(id);
    try {
      await this.deps.store.delete(id);
    } catch (e) {
      this.deps.log.warn({ err: e }, 'could not forget a detector');
    }
  }

  /** Record that a client asked about this detector (after it was found). */
  markQueried(id: string): void {
    this.queried.add(id);
  }

  /** The detectors this edge serves: configured ones and those it has been asked about. */
  servedIds(): string[] {
    return [...new Set([...Object.keys(this.deps.configured()), ...this.queried])];
  }

  /** Cached detectors (cloud's plus configured-only ones), newest first. */
  list(): Detector[] {
    const out = new Map<string, Detector>();
    for (const [id, e] of this.cache) out.set(id, e.detector);
    for (const id of Object.keys(this.deps.configured())) {
      if (!out.has(id)) {
        const d = this.fromConfig(id);
        if (d) out.set(id, d);
      }
    }
    return [...out.values()].sort((a, b) =>
      a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0,
    );
  }

  cached(id: string): Detector | undefined {
    return this.cache.get(id)?.detector;
  }

  get listRefreshedAt(): number {
    return this.lastListAt;
  }

  private fetch(id: string, token: string | null): Promise<CacheEntry | 'not_found' | null> {
    const existing = this.inflight.get(id);
    if (existing) return existing;
    const p = (async () => {
      const r = await this.deps.cloud.getDetector(id, token);
      switch (r.kind) {
        case 'ok':
          return this.put(r.value, this.now());
        case 'not_found':
          // A detector deleted in the cloud stops being answered; an unknown one was never cached.
          this.cache.delete(id);
          return 'not_found' as const;
        case 'unauthorized':
        case 'unreachable':
          this.deps.log.debug({ detectorId: id, result: r.kind }, 'detector refresh failed; keeping stale');
          return this.cache.get(id) ?? null;
      }
    })().finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }

  private async put(detector: Detector, now: number): Promise<CacheEntry> {
    const entry = { detector, fetchedAt: now };
    this.cache.set(detector.id, entry);
    try {
      await this.deps.store.save(detector.id, JSON.stringify(detector), now);
    } catch (e) {
      this.deps.log.warn({ err: e }, 'could not persist a detector');
    }
    return entry;
  }

  private fromConfig(id: string): Detector | null {
    const c = this.deps.configured()[id];
    if (!c?.mode) return null;
    return {
      id,
      type: 'detector',
      created_at: new Date(0).toISOString(),
      name: c.name ?? id,
      query: c.query ?? '',
      group_name: 'edge',
      metadata: null,
      mode: c.mode,
      mode_configuration: c.mode_configuration ?? null,
      confidence_threshold: c.confidence_threshold ?? 0.9,
      patience_time: 30,
      status: 'ON',
      escalation_type: 'STANDARD',
    };
  }
}
