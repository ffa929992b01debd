/**
 * The review queue. An escalation is QUEUED until a reviewer CLAIMS it (a lease of ESCALATION_LEASE_SECONDS),
 * then LABELED or SKIPPED; a lapsed claim returns to QUEUED, and anything open past its deadline (created +
 * patience time) becomes EXPIRED. Transitions are single conditional UPDATEs, so two reviewers (or two
 * replicas) racing for one escalation cannot both win. `sweep()` runs on a timer and lazily before reads.
 */
import type { EntityData, FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { newId, type EscalationEvent, type EscalationState, type ErrorCode } from '@intellioptics/schema';
import type { Orm } from '../../db/orm';
import type { Principal } from '../../auth/principal';
import type { AppPubSub } from '../../graphql/pubsub';
import type { Metrics } from '../../ops/metrics';
import type { DetectorEntity } from '../detectors/detector.entity';
import type { ImageQueryEntity } from '../image-queries/image-query.entity';
import { Escalation, type EscalationEntity } from './escalation.entity';

export type EscalationOutcome =
  | { ok: true; escalation: EscalationEntity }
  | { ok: false; code: ErrorCode; message: string; escalation: EscalationEntity | null };

export function toEscalationEvent(e: EscalationEntity): EscalationEvent {
  return {
    escalationId: e.id,
    imageQueryId: e.imageQuery.id,
    detectorId: e.detector.id,
    state: e.state,
    reason: e.reason,
    createdAt: e.createdAt.toISOString(),
    deadlineAt: e.deadlineAt.toISOString(),
  };
}

export class EscalationService {
  constructor(
    private readonly orm: Orm,
    private readonly pubsub: AppPubSub,
    private readonly metrics: Metrics,
    private readonly opts: { leaseSeconds: number; now?: () => Date },
  ) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** Adds the escalation inside the caller's transaction; publish with `announce` after the commit. */
  createInTx(
    em: EntityManager,
    iq: ImageQueryEntity,
    detector: DetectorEntity,
    reason: string,
    edgeResult: Record<string, unknown> | null,
  ): EscalationEntity {
    const createdAt = this.now();
    return em.create(Escalation, {
      id: newId('escalation'),
      imageQuery: iq,
      detector,
      state: 'QUEUED',
      reason,
      edgeResult,
      createdAt,
      deadlineAt: new Date(createdAt.getTime() + iq.patienceTime * 1000),
    });
  }

  announce(e: EscalationEntity): void {
    this.metrics.escalationsCreated.inc({ detector_id: e.detector.id });
    this.pubsub.publish('escalationCreated', toEscalationEvent(e));
  }

  /** Returns lapsed claims to the queue and expires escalations past their deadline. */
  async sweep(): Promise<{ released: number; expired: number }> {
    const em = this.orm.em.fork();
    const now = this.now();
    const expired = await em.nativeUpdate(
      Escalation,
      { state: { $in: ['QUEUED', 'CLAIMED'] }, deadlineAt: { $lte: now } },
      { state: 'EXPIRED', claimedBy: null, claimExpiresAt: null, resolvedAt: now },
    );
    const released = await em.nativeUpdate(
      Escalation,
      { state: 'CLAIMED', claimExpiresAt: { $lte: now } },
      { state: 'QUEUED', claimedBy: null, claimExpiresAt: null },
    );
    if (expired) this.metrics.sweeps.inc({ transition: 'expired' }, expired);
    if (released) this.metrics.sweeps.inc({ transition: 'released' }, released);
    return { released, expired };
  }

  async get(id: string): Promise<EscalationEntity | null> {
    return this.orm.em.fork().findOne(Escalation, { id });
  }

  async forImageQuery(imageQueryId: string): Promise<EscalationEntity | null> {
    return this.orm.em.fork().findOne(Escalation, { imageQuery: imageQueryId });
  }

  /** The review queue: escalations in `states`, soonest deadline first. */
  async queue(opts: {
    states: readonly EscalationState[];
    detectorIds?: readonly string[] | null;
    first: number;
    after?: string | null;
  }): Promise<{ items: EscalationEntity[]; hasNextPage: boolean }> {
    await this.sweep();
    const where: Record<string, unknown> = { state: { $in: [...opts.states] } };
    if (opts.detectorIds?.length) where.detector = { $in: [...opts.detectorIds] };
    if (opts.after) {
      const cursor = decodeQueueCursor(opts.after);
      where.$or = [
        { deadlineAt: { $gt: cursor.deadlineAt } },
        { deadlineAt: cursor.deadlineAt, id: { $gt: cursor.id } },
      ];
    }
    const items = await this.orm.em.fork().find(Escalation, where, {
      orderBy: { deadlineAt: 'asc', id: 'asc' },
      limit: opts.first + 1,
    });
    return { items: items.slice(0, opts.first), hasNextPage: items.length > opts.first };
  }

  async claim(id: string, who: Principal): Promise<EscalationOutcome> {
    return this.transition(id, who, (now) => ({
      where: {
        deadlineAt: { $gt: now },
        $or: [{ state: 'QUEUED' }, { state: 'CLAIMED', claimedBy: who.id }],
      },
      set: {
        state: 'CLAIMED',
        claimedBy: who.id,
        claimExpiresAt: new Date(now.getTime() + this.opts.leaseSeconds * 1000),
      },
    }));
  }

  async release(id: string, who: Principal): Promise<EscalationOutcome> {
    return this.transition(id, who, (now) => ({
      where: { state: 'CLAIMED', claimedBy: who.id, claimExpiresAt: { $gt: now } },
      set: { state: 'QUEUED', claimedBy: null, claimExpiresAt: null },
    }));
  }

  /** A reviewer passes on an escalation it holds (or an unclaimed one); it leaves the queue for good. */
  async skip(id: string, who: Principal): Promise<EscalationOutcome> {
    return this.transition(id, who, (now) => ({
      where: {
        $or: [{ state: 'QUEUED' }, { state: 'CLAIMED', claimedBy: who.id, claimExpiresAt: { $gt: now } }],
      },
      set: { state: 'SKIPPED', claimedBy: null, claimExpiresAt: null, resolvedAt: now, resolvedBy: who.id },
    }));
  }

  /**
   * One reviewer action: sweep first (so lapsed claims and deadlines count), then a single conditional
   * UPDATE of escalation `id` guarded by `where`; the outcome says why it did not apply.
   */
  private async transition(
    id: string,
    who: Principal,
    change: (now: Date) => { where: FilterQuery<EscalationEntity>; set: EntityData<EscalationEntity> },
  ): Promise<EscalationOutcome> {
    await this.sweep();
    const { where, set } = change(this.now());
    const em = this.orm.em.fork();
    const changed = await em.nativeUpdate(Escalation, { $and: [{ id }, where] }, set);
    return this.outcome(em, id, changed > 0, who);
  }

  /**
   * Inside a label transaction: may `who` resolve this image query's escalation? A live claim by someone
   * else blocks (an ADMIN overrides it).
   */
  async resolveInTx(
    em: EntityManager,
    imageQueryId: string,
    who: Principal,
  ): Promise<EscalationOutcome | null> {
    const esc = await em.findOne(Escalation, { imageQuery: imageQueryId });
    if (!esc) return null;
    const now = this.now();
    const heldByOther =
      esc.state === 'CLAIMED' &&
      esc.claimedBy !== who.id &&
      esc.claimExpiresAt !== null &&
      esc.claimExpiresAt !== undefined &&
      esc.claimExpiresAt > now;
    if (heldByOther && !(who.kind === 'user' && who.role === 'ADMIN')) {
      return {
        ok: false,
        code: 'ESCALATION_CLAIMED',
        message: 'Another reviewer holds this escalation.',
        escalation: esc,
      };
    }
    esc.state = 'LABELED';
    esc.claimedBy = null;
    esc.claimExpiresAt = null;
    esc.resolvedAt = now;
    esc.resolvedBy = who.id;
    // Counted here, inside the label's transaction: only a database failure after this point would undo it.
    this.metrics.humanAnswers.inc({ detector_id: esc.detector.id });
    this.metrics.timeToHumanAnswer.observe(
      { detector_id: esc.detector.id },
      Math.max(0, (now.getTime() - esc.createdAt.getTime()) / 1000),
    );
    return { ok: true, escalation: esc };
  }

  private async outcome(
    em: EntityManager,
    id: string,
    changed: boolean,
    who: Principal,
  ): Promise<EscalationOutcome> {
    const esc = await em.findOne(Escalation, { id }, { refresh: true });
    if (!esc)
      return {
        ok: false,
        code: 'ESCALATION_NOT_FOUND',
        message: `No escalation has the id ${id}.`,
        escalation: null,
      };
    if (changed) return { ok: true, escalation: esc };
    if (esc.state === 'CLAIMED' && esc.claimedBy !== who.id) {
      return {
        ok: false,
        code: 'ESCALATION_CLAIMED',
        message: 'Another reviewer holds this escalation.',
        escalation: esc,
      };
    }
    if (esc.state === 'QUEUED') {
      return {
        ok: false,
        code: 'LEASE_EXPIRED',
        message: 'You do not hold a claim on this escalation.',
        escalation: esc,
      };
    }
    return {
      ok: false,
      code: 'CONFLICT',
      message: `The escalation is ${esc.state} and cannot change that way.`,
      escalation: esc,
    };
  }
}

export function encodeQueueCursor(e: EscalationEntity): string {
  return Buffer.from(`${e.deadlineAt.toISOString()}|${e.id}`).toString('base64url');
}

function decodeQueueCursor(cursor: string): { deadlineAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const deadlineAt = new Date(iso ?? '');
  if (!id || Number.isNaN(deadlineAt.getTime())) return { deadlineAt: new Date(0), id: '' };
  return { deadlineAt, id };
}
