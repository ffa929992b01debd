/** Edge hubs: registration, token rotation (the token is shown once) and heartbeats. */
import { IntelliOpticsError, newId, type HubStatusEvent } from '@intellioptics/schema';
import { flushOrConflict } from '../../db/flush-or-conflict';
import type { Orm } from '../../db/orm';
import type { AppPubSub } from '../../graphql/pubsub';
import { generateToken, hashToken, tokenSnippet } from '../../auth/token';
import type { DetectorService } from '../detectors/detector.service';
import { Hub, type HubEntity, type ServedDetector } from './hub.entity';
import type { DeadLetterReport } from './dead-letters';
import { appendLatencySample, type LatencyReport } from './latency-samples';

export class HubService {
  constructor(
    private readonly orm: Orm,
    private readonly pubsub: AppPubSub,
    private readonly detectors: Pick<DetectorService, 'assertExist'>,
    private readonly opts: { offlineAfterSeconds: number; now?: () => Date },
  ) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  isOnline(hub: HubEntity): boolean {
    return (
      !!hub.lastHeartbeatAt &&
      this.now().getTime() - hub.lastHeartbeatAt.getTime() <= this.opts.offlineAfterSeconds * 1000
    );
  }

  /**
   * A hub sees no detector until an admin assigns some (`assigned`, or setDetectors later); null gives it every
   * detector, as hubs registered before assignments existed keep.
   */
  async register(
    name: string,
    assigned: readonly string[] | null = [],
  ): Promise<{ hub: HubEntity; token: string }> {
    if (!/^[\w .-]{1,200}$/.test(name)) {
      throw new IntelliOpticsError(
        'BAD_REQUEST',
        'name: 1-200 letters, digits, spaces, dots, dashes or underscores',
      );
    }
    const token = generateToken('hub_');
    const em = this.orm.em.fork();
    const hub = em.create(Hub, {
      id: newId('hub'),
      name,
      tokenHash: hashToken(token),
      tokenSnippet: tokenSnippet(token),
      servedDetectors: [],
      counters: {},
      latencySamples: [],
      deadLetterCount: 0,
      deadLetters: [],
      assignedDetectorIds: assigned ? [...new Set(assigned)] : null,
    });
    await flushOrConflict(em, () => `A hub named ${JSON.stringify(name)} exists.`);
    return { hub, token };
  }

  /** A new token for the hub; the old one stops working at once. */
  async rotateToken(id: string): Promise<{ hub: HubEntity; token: string }> {
    const em = this.orm.em.fork();
    const hub = await em.findOne(Hub, { id });
    if (!hub) throw new IntelliOpticsError('NOT_FOUND', `No hub has the id ${id}.`);
    const token = generateToken('hub_');
    hub.tokenHash = hashToken(token);
    hub.tokenSnippet = tokenSnippet(token);
    await em.flush();
    return { hub, token };
  }

  /**
   * The detectors the hub may see and use from now on (each must exist); null gives it every detector again.
   * Open sessions of the hub pick the change up at their next token re-check.
   */
  async setDetectors(hubId: string, detectorIds: readonly string[] | null): Promise<HubEntity> {
    const em = this.orm.em.fork();
    const hub = await em.findOne(Hub, { id: hubId });
    if (!hub) throw new IntelliOpticsError('NOT_FOUND', `No hub has the id ${hubId}.`);
    if (detectorIds) await this.detectors.assertExist(detectorIds);
    hub.assignedDetectorIds = detectorIds ? [...new Set(detectorIds)] : null;
    await em.flush();
    return hub;
  }

  async heartbeat(
    hubId: string,
    report: {
      servedDetectors: ServedDetector[];
      counters: Record<string, number>;
      /** Answer latency over the interval since the previous heartbeat (edges before it send none). */
      latency?: LatencyReport | null;
      /** The edge's dead letters; edges before this report none (the last report stands). */
      deadLetters?: DeadLetterReport | null;
    },
  ): Promise<HubEntity> {
    const em = this.orm.em.fork();
    const hub = await em.findOne(Hub, { id: hubId });
    if (!hub) throw new IntelliOpticsError('NOT_FOUND', `No hub has the id ${hubId}.`);
    hub.lastHeartbeatAt = this.now();
    hub.servedDetectors = report.servedDetectors;
    hub.counters = report.counters;
    if (report.latency)
      hub.latencySamples = appendLatencySample(hub.latencySamples, report.latency, this.now());
    if (report.deadLetters) {
      hub.deadLetterCount = report.deadLetters.count;
      hub.deadLetters = report.deadLetters.items;
    }
    await em.flush();
    this.pubsub.publish('hubStatusChanged', this.toEvent(hub));
    return hub;
  }

  async get(id: string): Promise<HubEntity | null> {
    return this.orm.em.fork().findOne(Hub, { id });
  }

  async list(): Promise<HubEntity[]> {
    return this.orm.em.fork().find(Hub, {}, { orderBy: { name: 'asc' } });
  }

  toEvent(hub: HubEntity): HubStatusEvent {
    return {
      hubId: hub.id,
      name: hub.name,
      online: this.isOnline(hub),
      lastHeartbeatAt: hub.lastHeartbeatAt?.toISOString() ?? null,
      servedDetectors: hub.servedDetectors,
      counters: hub.counters,
    };
  }
}
