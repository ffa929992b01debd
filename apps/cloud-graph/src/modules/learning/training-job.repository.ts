/**
 * The training-job queue and the label/feature reads a training run needs, in SQL on PostgreSQL. Every time
 * is the database's `now()`, so replicas with skewed clocks agree on leases.
 */
import { newId } from '@intellioptics/schema';
import type { Orm } from '../../db/orm';
import type { TrainingJobOutcome, TrainingJobState, TrainingLogLine } from './training-job.entity';

export interface TrainingJobRow {
  id: string;
  detector_id: string;
  state: TrainingJobState;
  trigger: string;
  outcome: TrainingJobOutcome | null;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  progress: number;
  stage: string | null;
  log: TrainingLogLine[];
  label_count: number | null;
  labels_snapshot_at: Date | null;
  result: Record<string, unknown> | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface TrainingLabelRow {
  image_query_id: string;
  label: string;
  image_key: string;
}

export interface LabelActivity {
  /** Label events (relabels included) of the detector, all time. */
  total: number;
  /** Label events after `since` (all of them when since is null). */
  sinceCount: number;
  lastLabelAt: Date | null;
  firstLabelSince: Date | null;
}

/** PostgreSQL's text form of a timestamptz (the ORM's driver leaves them as strings) → Date. */
export function pgDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v !== 'string') throw new Error(`not a timestamp: ${JSON.stringify(v)}`);
  const iso = v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: ${v}`);
  return d;
}

function jobRow(raw: Record<string, unknown>): TrainingJobRow {
  const r = raw as unknown as TrainingJobRow;
  return {
    ...r,
    progress: Number(r.progress),
    lease_expires_at: pgDate(raw['lease_expires_at']),
    labels_snapshot_at: pgDate(raw['labels_snapshot_at']),
    created_at: pgDate(raw['created_at'])!,
    started_at: pgDate(raw['started_at']),
    finished_at: pgDate(raw['finished_at']),
  };
}

const logLines = (messages: readonly string[]): string =>
  JSON.stringify(messages.map((message) => ({ at: new Date().toISOString(), message })));

export class TrainingJobRepository {
  constructor(private readonly orm: Orm) {}

  private async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.orm.em.getConnection().execute<T[]>(sql, params, 'all');
  }

  /** Queues a job unless the detector already has one queued or running (then null). */
  async enqueue(
    detectorId: string,
    trigger: string,
    opts: { maxAttempts?: number } = {},
  ): Promise<string | null> {
    const rows = await this.rows<{ id: string }>(
      `insert into training_jobs (id, detector_id, state, trigger, attempts, max_attempts, run_after, progress, log, created_at)
       values (?, ?, 'QUEUED', ?, 0, ?, now(), 0, ?::jsonb, now())
       on conflict (detector_id) where state in ('QUEUED', 'RUNNING') do nothing
       returning id`,
      [newId('job'), detectorId, trigger, opts.maxAttempts ?? 3, logLines([`queued (${trigger})`])],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Takes the oldest runnable job: queued, or running with an expired lease (its worker died). Jobs that used
   * up their attempts fail instead of running again.
   */
  async claim(workerId: string, leaseSeconds: number): Promise<TrainingJobRow | null> {
    await this.orm.em.getConnection().execute(
      `update training_jobs set state = 'FAILED', finished_at = now(), lease_owner = null, lease_expires_at = null,
         error = 'the worker lease expired after ' || attempts || ' attempts',
         log = log || jsonb_build_array(jsonb_build_object('at', now(), 'message', 'gave up: lease expired after ' || attempts || ' attempts'))
       where state = 'RUNNING' and lease_expires_at < now() and attempts >= max_attempts`,
    );
    const rows = await this.rows<Record<string, unknown>>(
      `with next as (
         select id from training_jobs
         where ((state = 'QUEUED' and run_after <= now()) or (state = 'RUNNING' and lease_expires_at < now()))
           and attempts < max_attempts
         order by created_at
         limit 1
         for update skip locked
       )
       update training_jobs j set
         state = 'RUNNING',
         lease_owner = ?,
         lease_expires_at = now() + make_interval(secs => ?),
         attempts = j.attempts + 1,
         started_at = coalesce(j.started_at, now()),
         log = j.log || jsonb_build_array(jsonb_build_object('at', now(), 'message',
           case when j.state = 'RUNNING' then 'taken over by ' || ?::text || ' after the lease of ' || coalesce(j.lease_owner, 'unknown') || ' expired'
                else 'started by ' || ?::text end || ' (attempt ' || (j.attempts + 1) || ')'))
       from next where j.id = next.id
       returning j.*`,
      [workerId, leaseSeconds, workerId, workerId],
    );
    return rows[0] ? jobRow(rows[0]) : null;
  }

  /** Renews the lease and records progress; false when the lease is no longer ours (stop working). */
  async heartbeat(
    jobId: string,
    workerId: string,
    leaseSeconds: number,
    patch: { progress?: number; stage?: string; log?: string[] } = {},
  ): Promise<boolean> {
    const rows = await this.rows<{ id: string }>(
      `update training_jobs set lease_expires_at = now() + make_interval(secs => ?),
         progress = coalesce(?, progress), stage = coalesce(?, stage), log = log || ?::jsonb
       where id = ? and lease_owner = ? and state = 'RUNNING'
       returning id`,
      [leaseSeconds, patch.progress ?? null, patch.stage ?? null, logLines(patch.log ?? []), jobId, workerId],
    );
    return rows.length > 0;
  }

  /** Records which labels the job trains on: every label event up to the database's now(). */
  async snapshotLabels(jobId: string, detectorId: string): Promise<{ count: number; at: Date }> {
    const rows = await this.rows<{ count: string | number; at: unknown }>(
      `update training_jobs set labels_snapshot_at = now(),
         label_count = (select count(*) from labels l join image_queries iq on iq.id = l.image_query_id
                        where iq.detector_id = ? and l.created_at <= now())
       where id = ?
       returning label_count as count, labels_snapshot_at as at`,
      [detectorId, jobId],
    );
    const row = rows[0];
    if (!row) throw new Error(`training job ${jobId} vanished`);
    return { count: Number(row.count), at: pgDate(row.at)! };
  }

  async finish(
    jobId: string,
    workerId: string,
    end: {
      state: 'SUCCEEDED' | 'FAILED';
      outcome?: TrainingJobOutcome | null;
      result?: Record<string, unknown> | null;
      error?: string | null;
      log?: string[];
    },
  ): Promise<boolean> {
    const rows = await this.rows<{ id: string }>(
      `update training_jobs set state = ?, outcome = ?, result = ?::jsonb, error = ?, finished_at = now(),
         lease_owner = null, lease_expires_at = null,
         progress = case when ? = 'SUCCEEDED' then 1 else progress end, log = log || ?::jsonb
       where id = ? and lease_owner = ? and state = 'RUNNING'
       returning id`,
      [
        end.state,
        end.outcome ?? null,
        end.result ? JSON.stringify(end.result) : null,
        end.error ?? null,
        end.state,
        logLines(end.log ?? []),
        jobId,
        workerId,
      ],
    );
    return rows.length > 0;
  }

  async get(jobId: string): Promise<TrainingJobRow | null> {
    const row = (
      await this.rows<Record<string, unknown>>(`select * from training_jobs where id = ?`, [jobId])
    )[0];
    return row ? jobRow(row) : null;
  }

  async list(detectorId: string, limit = 20): Promise<TrainingJobRow[]> {
    return (
      await this.rows<Record<string, unknown>>(
        `select * from training_jobs where detector_id = ? order by created_at desc limit ?`,
        [detectorId, limit],
      )
    ).map(jobRow);
  }

  async active(detectorId: string): Promise<TrainingJobRow | null> {
    const row = (
      await this.rows<Record<string, unknown>>(
        `select * from training_jobs where detector_id = ? and state in ('QUEUED', 'RUNNING') limit 1`,
        [detectorId],
      )
    )[0];
    return row ? jobRow(row) : null;
  }

  /** The newest finished attempt (succeeded or failed) of a detector. */
  async lastFinished(detectorId: string): Promise<TrainingJobRow | null> {
    const row = (
      await this.rows<Record<string, unknown>>(
        `select * from training_jobs where detector_id = ? and state in ('SUCCEEDED', 'FAILED')
         order by finished_at desc limit 1`,
        [detectorId],
      )
    )[0];
    return row ? jobRow(row) : null;
  }

  /** Detectors a retrain could be due for: labels after their last snapshot, or a last attempt that failed. */
  async detectorsWithNewLabels(modes: readonly string[]): Promise<string[]> {
    const rows = await this.rows<{ id: string }>(
      `select d.id from detectors d
       where d.mode in (${modes.map(() => '?').join(', ')})
         and (exists (select 1 from labels l join image_queries iq on iq.id = l.image_query_id
                      where iq.detector_id = d.id
                        and l.created_at > coalesce((select max(j.labels_snapshot_at) from training_jobs j
                                                     where j.detector_id = d.id), '-infinity'::timestamptz))
              or (select j.state from training_jobs j where j.detector_id = d.id
                  order by j.created_at desc limit 1) = 'FAILED')`,
      [...modes],
    );
    return rows.map((r) => r.id);
  }

  /** Label events of a detector, and those after the label snapshot of job `sinceJobId` (all when null). */
  async labelActivity(detectorId: string, sinceJobId: string | null): Promise<LabelActivity> {
    const rows = await this.rows<{
      total: string;
      since_count: string;
      last_at: unknown;
      first_since: unknown;
    }>(
      `with since as (select labels_snapshot_at as at from training_jobs where id = ?)
       select count(*) as total,
              count(*) filter (where l.created_at > coalesce((select at from since), '-infinity'::timestamptz)) as since_count,
              max(l.created_at) as last_at,
              min(l.created_at) filter (where l.created_at > coalesce((select at from since), '-infinity'::timestamptz)) as first_since
       from labels l join image_queries iq on iq.id = l.image_query_id where iq.detector_id = ?`,
      [sinceJobId, detectorId],
    );
    const r = rows[0];
    return {
      total: Number(r?.total ?? 0),
      sinceCount: Number(r?.since_count ?? 0),
      lastLabelAt: pgDate(r?.last_at),
      firstLabelSince: pgDate(r?.first_since),
    };
  }

  /** The newest label of each labelled image query of a detector, up to job `untilJobId`'s snapshot. */
  async latestLabels(detectorId: string, untilJobId: string | null): Promise<TrainingLabelRow[]> {
    return this.rows<TrainingLabelRow>(
      `with until as (select labels_snapshot_at as at from training_jobs where id = ?)
       select distinct on (l.image_query_id) l.image_query_id, l.label, iq.image_key
       from labels l join image_queries iq on iq.id = l.image_query_id
       where iq.detector_id = ? and l.created_at <= coalesce((select at from until), 'infinity'::timestamptz)
       order by l.image_query_id, l.created_at desc, l.id desc`,
      [untilJobId, detectorId],
    );
  }

  /** The metadata of the detector's labelled image queries (how each came to be labelled: escalation or audit). */
  async labelledMetadata(detectorId: string): Promise<Map<string, unknown>> {
    const rows = await this.rows<{ id: string; metadata: unknown }>(
      `select iq.id, iq.metadata from image_queries iq
       where iq.detector_id = ? and exists (select 1 from labels l where l.image_query_id = iq.id)`,
      [detectorId],
    );
    return new Map(rows.map((r) => [r.id, r.metadata]));
  }

  async cachedFeatures(ids: readonly string[]): Promise<Map<string, Buffer>> {
    if (ids.length === 0) return new Map();
    const rows = await this.rows<{ id: string; features: Buffer }>(
      `select id, features from image_features where id in (${ids.map(() => '?').join(', ')})`,
      [...ids],
    );
    return new Map(rows.map((r) => [r.id, r.features]));
  }

  async storeFeatures(
    rows: readonly { id: string; imageQueryId: string; backboneSha256: string; features: Float32Array }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.orm.em.getConnection().execute(
      `insert into image_features (id, image_query_id, backbone_sha256, dim, features, created_at)
       values ${rows.map(() => '(?, ?, ?, ?, ?, now())').join(', ')}
       on conflict (id) do nothing`,
      rows.flatMap((r) => [
        r.id,
        r.imageQueryId,
        r.backboneSha256,
        r.features.length,
        Buffer.from(r.features.buffer, r.features.byteOffset, r.features.byteLength),
      ]),
    );
  }
}
