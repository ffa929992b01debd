/**
 * `/v1/detectors/{id}/metrics` and `/v1/detectors/{id}/evaluation`: counts read off the image queries and
 * labels, and the learning loop's held-out evaluation of the published model (detector-evaluation.ts).
 */
import { classLayout, DEFAULT_EDGE_CONFIG, IntelliOpticsError } from '@intellioptics/schema';
import type { Orm } from '../../db/orm';
import { pgDate } from '../learning/training-job.repository';
import { Detector } from './detector.entity';
import { toEvaluationResults, type EvaluationResults } from './detector-evaluation';
import { escalationStats, type EscalationStats } from './escalation-stats';

type ClassCounts = Record<string, number>;

export interface DetectorMetricsSummary {
  num_ground_truth: number;
  num_current_source_human: number;
  class_counts: {
    source_ml: ClassCounts;
    source_human: ClassCounts;
    cloud_labeler: ClassCounts;
    cloud: ClassCounts;
    total: ClassCounts;
  };
  unconfident_counts: ClassCounts;
  total_iqs: number;
}

/** Answers a model gave (not a person, not still processing). */
const ML_SOURCES = ['ALGORITHM', 'EDGE', 'CLOUD', 'CLOUD_ENSEMBLE', 'AI_CLOUD', 'AI_CLOUD_ENSEMBLE'];
/** Answers the cloud gave (its models or its reviewers' ensemble). */
const CLOUD_SOURCES = ['CLOUD', 'CLOUD_ENSEMBLE', 'AI_CLOUD', 'AI_CLOUD_ENSEMBLE', 'HUMAN_AI_CLOUD_ENSEMBLE'];
/** The answer's class: the label, or the count of a COUNT detector. */
const CLASS_OF = `coalesce(q."result"->>'label', q."result"->>'count', q."result"->>'text')`;

export class DetectorStatsService {
  constructor(private readonly orm: Orm) {}

  async metrics(detectorId: string): Promise<{ summary: DetectorMetricsSummary }> {
    await this.assertDetector(detectorId);
    const conn = this.orm.em.fork().getConnection();
    const rows = await conn.execute<{ cls: string; source: string; n: string; unconfident: string }[]>(
      `select ${CLASS_OF} as cls, q."source" as source, count(*) as n,
              count(*) filter (where (q."result"->>'confidence')::double precision < q."confidence_threshold") as unconfident
         from "image_queries" q
        where q."detector_id" = ? and q."answered" and q."result" is not null
        group by 1, 2`,
      [detectorId],
    );
    // The latest human label of each image query: the ground truth a reviewer gave.
    const truth = await conn.execute<{ cls: string; n: string }[]>(
      `select t.label as cls, count(*) as n from (
         select distinct on (l."image_query_id") l."label"
           from "labels" l join "image_queries" q on q."id" = l."image_query_id"
          where q."detector_id" = ? and l."source" = 'USER'
          order by l."image_query_id", l."created_at" desc, l."id" desc) t
        group by 1`,
      [detectorId],
    );
    const [totals] = await conn.execute<{ total: string; human: string }[]>(
      `select count(*) as total, count(*) filter (where "source" = 'USER') as human
         from "image_queries" where "detector_id" = ?`,
      [detectorId],
    );
    const add = (into: ClassCounts, cls: string, n: number) => {
      into[cls] = (into[cls] ?? 0) + n;
    };
    const summary: DetectorMetricsSummary = {
      num_ground_truth: truth.reduce((s, r) => s + Number(r.n), 0),
      num_current_source_human: Number(totals?.human ?? 0),
      class_counts: { source_ml: {}, source_human: {}, cloud_labeler: {}, cloud: {}, total: {} },
      unconfident_counts: {},
      total_iqs: Number(totals?.total ?? 0),
    };
    for (const r of truth) add(summary.class_counts.cloud_labeler, r.cls, Number(r.n));
    for (const r of rows) {
      if (r.cls === null) continue;
      const n = Number(r.n);
      add(summary.class_counts.total, r.cls, n);
      if (r.source === 'USER') add(summary.class_counts.source_human, r.cls, n);
      if (ML_SOURCES.includes(r.source)) {
        add(summary.class_counts.source_ml, r.cls, n);
        if (Number(r.unconfident) > 0) add(summary.unconfident_counts, r.cls, Number(r.unconfident));
      }
      if (CLOUD_SOURCES.includes(r.source)) add(summary.class_counts.cloud, r.cls, n);
    }
    return { summary };
  }

  /** Null until a model trained by the learning loop is published (the reference: not enough ground truth). */
  async evaluation(detectorId: string): Promise<{ evaluation_results: EvaluationResults | null }> {
    await this.assertDetector(detectorId);
    const conn = this.orm.em.fork().getConnection();
    const [job] = await conn.execute<
      { finished_at: unknown; label_count: number | null; result: Record<string, unknown> | null }[]
    >(
      `select j."finished_at", j."label_count", j."result"
         from "model_versions" mv
         join "training_jobs" j on j."id" = mv."metrics"->>'training_job_id'
        where mv."detector_id" = ? and mv."kind" = 'primary' and mv."state" = 'PUBLISHED'
        limit 1`,
      [detectorId],
    );
    if (!job?.result) return { evaluation_results: null };
    const [truth] = await conn.execute<{ n: string }[]>(
      `select count(distinct l."image_query_id") as n
         from "labels" l join "image_queries" q on q."id" = l."image_query_id"
        where q."detector_id" = ? and l."source" = 'USER'`,
      [detectorId],
    );
    const result = job.result;
    return {
      evaluation_results: toEvaluationResults(
        {
          finishedAt: pgDate(job.finished_at) ?? new Date(0),
          labelCount: job.label_count,
          evaluation: (result.candidateEvaluation as RecordedEvaluationInput) ?? null,
          examplesPerClass: result.examplesPerClass,
        },
        Number(truth?.n ?? 0),
      ),
    };
  }

  /**
   * The edge's escalations and audits of the last `days` days (escalation-stats.ts), threshold vs learned
   * policy; null for a detector without a class layout (TEXT, BOUNDING_BOX, compound).
   */
  async escalations(detectorId: string, days: number): Promise<EscalationStats | null> {
    const detector = await this.orm.em.fork().findOne(Detector, { id: detectorId });
    if (!detector)
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${detectorId}.`);
    let layout;
    try {
      layout = classLayout(detector.mode, detector.modeConfiguration);
    } catch {
      return null;
    }
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ metadata: unknown; label: string | null }[]>(
        `select q."metadata" as metadata,
              (select l."label" from "labels" l where l."image_query_id" = q."id"
                order by l."created_at" desc, l."id" desc limit 1) as label
         from "image_queries" q
        where q."detector_id" = ? and q."metadata"->>'reason' is not null
          and q."created_at" > now() - make_interval(days => ?)`,
        [detectorId, days],
      );
    return escalationStats(rows, layout, DEFAULT_EDGE_CONFIG.global_config.confident_audit_rate);
  }

  private async assertDetector(id: string): Promise<void> {
    if ((await this.orm.em.fork().count(Detector, { id })) === 0) {
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${id}.`);
    }
  }
}

type RecordedEvaluationInput = { n?: unknown; accuracy?: unknown; perClassRecall?: unknown };
