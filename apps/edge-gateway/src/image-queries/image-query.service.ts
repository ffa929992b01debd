/**
 * Creates image queries on the edge: inspect the image, find the detector, run local inference, apply the edge
 * decision (libs/decision), persist the image query and its escalation durably, answer. It takes typed
 * commands (`submit-image-query.ts`) from an authorised caller; the transports parse and authorise.
 *
 * A camera frame asked of N detectors is one image, stored once for its N image queries and inferred in one
 * call (one backbone pass); the REST path is the same pipeline with N = 1.
 */
import { performance } from 'node:perf_hooks';
import {
  EscalationCooldowns,
  decide,
  decideBeforeInference,
  decideWithoutModel,
  edgeAnswerIsFinal,
  effectiveThreshold,
  endSyncEscalation,
  inferenceOutcomeFromAnswer,
  isFinalCloudAnswer,
  outboxKindFor,
  policyObservationOf,
  requiresEdgePrediction,
  selectEscalationPolicy,
  type Decision,
  type DecisionInput,
  type DecisionReason,
  type EdgeConfidence,
  type InferenceOutcome,
  type OutboxKind,
  type RequestContext,
} from '@intellioptics/decision';
import {
  IntelliOpticsError,
  escalationMetadata,
  groundlightAnswer,
  modelClassIndex,
  priorAnswer,
  resultTypeForMode,
  type Detector,
  type Explanation,
  type GroundlightAnswer,
  type ImageQuery,
} from '@intellioptics/schema';
import type { CloudStatus } from '../cloud-client/cloud-status';
import type { CompoundAnswerer } from '../compound/compound-answerer';
import type { EdgeConfigService } from '../config/edge-config.service';
import type { DetectorService } from '../detectors/detector.service';
import { edgeResultOf, type EscalationParams } from '../escalation/escalation-params';
import type { OutboxWorker } from '../escalation/outbox.worker';
import type { SyncEscalationResult, SyncEscalator } from '../escalation/sync-escalator';
import type { EdgePrediction, InferenceCall, InferenceClient } from '../inference-client/inference.client';
import type { Logger } from '../logger';
import type { EdgeMetrics } from '../metrics/metrics';
import type { ExplanationRepository } from '../store/explanation.repository';
import type { ImageQueryRepository, NewImageQuery } from '../store/image-query.repository';
import type { StagedImage } from '../store/image.repository';
import { edgeExplanation } from './edge-explanation';
import { newImageQueryId } from './image-query-id';
import type {
  AnsweredBy,
  Caller,
  FrameAnswer,
  ImageQueryOptions,
  SubmitAnswer,
  SubmitFrame,
  SubmitImageQuery,
} from './submit-image-query';

/** Problem carrying the edge-only mark (nginx must not replay it to the cloud). */
export class EdgeOnlyError extends IntelliOpticsError {
  readonly edgeOnly = true;
}

const DEFAULT_PATIENCE_S = 30;

export interface ImageQueryServiceDeps {
  imageQueries: Pick<ImageQueryRepository, 'record' | 'get' | 'update'>;
  explanations: Pick<ExplanationRepository, 'save'>;
  inference: Pick<InferenceClient, 'infer' | 'inferMany'>;
  detectors: Pick<DetectorService, 'get' | 'markQueried'>;
  config: Pick<EdgeConfigService, 'presetFor' | 'config'>;
  cloudStatus: Pick<CloudStatus, 'reachable'>;
  escalator: Pick<SyncEscalator, 'claim' | 'release' | 'askOnly' | 'sendStored'>;
  outbox: Pick<OutboxWorker, 'wake'>;
  metrics: Pick<EdgeMetrics, 'imageQueries' | 'escalations' | 'audits' | 'belowThreshold' | 'answerLatency'>;
  log: Logger;
  syncEscalationTimeoutMs: number;
  random?: () => number;
  /** Answers compound detectors (a rule over other detectors); without it they have no model. */
  compounds?: Pick<CompoundAnswerer, 'involves' | 'infer'>;
  /** Wall clock for `created_at` and the store. */
  now?: () => number;
  /** Called with every answer made (alert rules are evaluated on it); must not throw. */
  onAnswered?: (iq: ImageQuery) => void;
}

/** One image query being answered: everything known about it before the decision. */
interface Draft {
  id: string;
  detector: Detector;
  options: ImageQueryOptions;
  context: RequestContext;
  threshold: number;
  patienceTime: number;
  createdAt: number;
}

/** What the edge answers locally (and stores), per decision. */
interface LocalAnswer {
  /** The decision this answer carries out (its explanation is made from it). */
  decision: Decision;
  reason: DecisionReason;
  /** The edge model's answer; null when it has none (the image query then carries the prior). */
  result: GroundlightAnswer | null;
  doneProcessing: boolean;
  edge: EdgeConfidence | null;
  prediction: EdgePrediction | null;
  outbox: OutboxKind | null;
  final: boolean;
  answeredBy: AnsweredBy;
}

type Plan =
  /** Stored before anything is answered; `sync`: the request then asks the cloud itself. */
  | {
      kind: 'stored';
      draft: Draft;
      answer: LocalAnswer;
      sync: 'edge_answer' | 'outbox' | null;
      /** The local image query and its JSON, serialised once (stored and sent as is). */
      iq: ImageQuery;
      json: string;
      explanation: Explanation;
    }
  /** The preset is disabled: the edge keeps nothing and the cloud answers. */
  | { kind: 'cloud_only'; draft: Draft; answer: LocalAnswer; explanation: Explanation };

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export class ImageQueryService {
  private readonly cooldowns = new EscalationCooldowns();

  constructor(private readonly deps: ImageQueryServiceDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** One image query from a client (`POST /device-api/v1/image-queries`). `startedAt`: performance.now(). */
  async submit(cmd: SubmitImageQuery, caller: Caller, startedAt: number): Promise<SubmitAnswer> {
    let detector: Detector;
    try {
      detector = await this.deps.detectors.get(cmd.detectorId, caller.token);
    } catch (err) {
      throw this.keptAtEdge(cmd.detectorId, err);
    }
    this.deps.detectors.markQueried(detector.id);
    const id = cmd.imageQueryId ?? newImageQueryId();
    if (cmd.imageQueryId && (await this.deps.imageQueries.get(id))) {
      throw new IntelliOpticsError('ALREADY_EXISTS', `An image query with the id ${id} already exists.`);
    }
    const image: StagedImage = { contentType: cmd.image.info.mime, data: cmd.image.bytes };
    const [answer] = await this.answer([this.draft(id, detector, cmd)], image, startedAt);
    if (!answer!.ok) throw answer!.error;
    return answer!.value;
  }

  /**
   * A refusal to look up a detector whose preset requires an edge prediction (no_cloud) carries the edge-only
   * mark: nginx would otherwise replay the image to the cloud, which answers for the detector (a 200 UNCLEAR).
   */
  private keptAtEdge(detectorId: string, err: unknown): unknown {
    if (!(err instanceof IntelliOpticsError)) return err;
    if (!requiresEdgePrediction(this.deps.config.presetFor(detectorId))) return err;
    return new EdgeOnlyError(err.code, err.message, err.details ? { details: err.details } : undefined);
  }

  /** One camera frame for every detector watching it: one image row, one inference call. */
  async submitFrame(frame: SubmitFrame, startedAt: number): Promise<FrameAnswer[]> {
    const options: ImageQueryOptions = {
      humanReview: 'DEFAULT',
      wantAsync: false,
      confidenceThreshold: undefined,
      patienceTime: undefined,
      metadata: frame.metadata,
      inspectionId: undefined,
    };
    const found = await Promise.all(
      frame.detectorIds.map((detectorId) =>
        this.deps.detectors.get(detectorId, null).then(
          (detector): Settled<Detector> => ({ ok: true, value: detector }),
          (error: unknown): Settled<Detector> => ({ ok: false, error }),
        ),
      ),
    );
    const drafts: Draft[] = [];
    for (const f of found) {
      if (!f.ok) continue;
      this.deps.detectors.markQueried(f.value.id);
      drafts.push(this.draft(newImageQueryId(), f.value, options));
    }
    const image: StagedImage = { contentType: frame.image.info.mime, data: frame.image.bytes };
    const answers = drafts.length > 0 ? await this.answer(drafts, image, startedAt) : [];
    let next = 0;
    return found.map((f, i): FrameAnswer => {
      const detectorId = frame.detectorIds[i]!;
      if (!f.ok) return { detectorId, ok: false, error: f.error };
      const a = answers[next++]!;
      return a.ok ? { detectorId, ok: true, answer: a.value } : { detectorId, ok: false, error: a.error };
    });
  }

  private draft(id: string, detector: Detector, options: ImageQueryOptions): Draft {
    return {
      id,
      detector,
      options,
      context: {
        preset: this.deps.config.presetFor(detector.id),
        humanReview: options.humanReview,
        wantAsync: options.wantAsync,
        requestThreshold: options.confidenceThreshold,
        detectorThreshold: detector.confidence_threshold,
        cloudReachable: this.deps.cloudStatus.reachable(),
      },
      threshold: effectiveThreshold(options.confidenceThreshold, detector.confidence_threshold),
      patienceTime: options.patienceTime ?? detector.patience_time ?? DEFAULT_PATIENCE_S,
      createdAt: this.now(),
    };
  }

  /** Decide every draft of one image, store what the edge keeps in one commit, then finish each answer. */
  private async answer(
    drafts: Draft[],
    image: StagedImage,
    startedAt: number,
  ): Promise<Settled<SubmitAnswer>[]> {
    const early = drafts.map((d) => decideBeforeInference(d.context));
    const calls = await this.infer(
      drafts.filter((_, i) => early[i] === undefined).map((d) => d.detector),
      image,
    );
    const plans = drafts.map((draft, i): Settled<Plan> => {
      try {
        const call = calls.get(draft.detector.id);
        const decision = early[i] ?? this.decideAfterInference(draft, call!);
        const prediction = call?.kind === 'ok' ? call.prediction : null;
        return { ok: true, value: this.plan(draft, decision, prediction) };
      } catch (error) {
        return { ok: false, error };
      }
    });

    const stored = plans.flatMap((p) => (p.ok && p.value.kind === 'stored' ? [p.value] : []));
    const syncIds = stored.filter((p) => p.sync !== null).map((p) => p.draft.id);
    for (const id of syncIds) this.deps.escalator.claim(id);
    let storeError: { error: unknown } | null = null;
    try {
      if (stored.length > 0) {
        // Queued in the same turn, so the explanations share the image queries' commit (edge-database.ts).
        await Promise.all([
          this.deps.imageQueries.record(
            image,
            stored.map((p) => this.row(p)),
          ),
          this.deps.explanations.save(stored.map((p) => ({ iqId: p.draft.id, explanation: p.explanation }))),
        ]);
      }
    } catch (error) {
      storeError = { error };
      for (const id of syncIds) this.deps.escalator.release(id);
    }
    if (!storeError && stored.some((p) => p.answer.outbox !== null)) this.deps.outbox.wake();

    return Promise.all(
      plans.map(async (p): Promise<Settled<SubmitAnswer>> => {
        if (!p.ok) return p;
        if (storeError && p.value.kind === 'stored') return { ok: false, error: storeError.error };
        try {
          return { ok: true, value: await this.finish(p.value, image, startedAt) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  /** The detectors go along whole: the client sends the spec a built-in model needs (COUNT, BOUNDING_BOX, TEXT). */
  private async infer(detectors: Detector[], image: StagedImage): Promise<Map<string, InferenceCall>> {
    if (detectors.length === 0) return new Map();
    // Compound detectors (src/compound): their parts are asked in the same call and the rule answers.
    const compounds = this.deps.compounds;
    if (compounds?.involves(detectors)) {
      return compounds.infer(detectors, image, (plain, crop) => this.infer(plain, crop ?? image));
    }
    if (detectors.length === 1) {
      const d = detectors[0]!;
      return new Map([[d.id, await this.deps.inference.infer(d, image.data, image.contentType)]]);
    }
    return this.deps.inference.inferMany(detectors, image.data, image.contentType);
  }

  private decideAfterInference(draft: Draft, call: InferenceCall): Decision {
    if (call.kind === 'rejected') throw rejectedByInference(call);
    if (call.kind === 'down') {
      this.deps.log.warn({ detectorId: draft.detector.id, err: call.message }, 'inference unavailable');
    }
    const policy = call.kind === 'ok' ? escalationPolicyFor(draft.detector, call.prediction) : undefined;
    return decide({
      ...draft.context,
      ...(policy ? { escalationPolicy: policy } : {}),
      inference: toOutcome(call),
      lastEscalationAtMs: this.cooldowns.lastEscalationAt(draft.detector.id),
      nowMs: performance.now(),
      auditRoll: Math.min(0.999999999, (this.deps.random ?? Math.random)()),
      confidentAuditRate: this.deps.config.config.global_config.confident_audit_rate,
    });
  }

  /** What the edge keeps and answers for a decision; throws the decision's rejection. */
  private plan(draft: Draft, decision: Decision, prediction: EdgePrediction | null): Plan {
    const { detector } = draft;
    const m = this.deps.metrics;
    switch (decision.kind) {
      case 'reject': {
        m.imageQueries.inc({ detector_id: detector.id, reason: decision.reason });
        const Err = decision.edgeOnly ? EdgeOnlyError : IntelliOpticsError;
        // Inference down (or its breaker open) is transient: a 503 says when to come back.
        const transient = decision.reason === 'INFERENCE_DOWN' || decision.code === 'CLOUD_UNREACHABLE';
        throw new Err(
          decision.code,
          decision.detail,
          transient ? { details: { retryAfterS: 5 } } : undefined,
        );
      }
      case 'accept_async':
        m.escalations.inc({ detector_id: detector.id, kind: 'async' });
        return stored(draft, null, {
          decision,
          reason: decision.reason,
          result: null,
          doneProcessing: false,
          edge: null,
          prediction,
          outbox: 'escalation',
          final: false,
          answeredBy: 'edge_async',
        });
      case 'answer_edge': {
        const result = prediction && this.edgeResult(detector, prediction, decision.adjustedConfidence);
        if (!result) {
          this.deps.log.error(
            { detectorId: detector.id, previous: decision.kind },
            'model output does not fit the detector',
          );
          return this.plan(draft, decideWithoutModel(draft.context), null);
        }
        if (!decision.confident) m.belowThreshold.inc({ detector_id: detector.id });
        const outbox = outboxKindFor(decision.escalate);
        if (outbox === 'escalation') {
          this.cooldowns.record(detector.id, performance.now());
          m.escalations.inc({ detector_id: detector.id, kind: 'background' });
        }
        if (outbox === 'audit') m.audits.inc({ detector_id: detector.id });
        return stored(draft, null, {
          decision,
          reason: decision.reason,
          result,
          doneProcessing: decision.doneProcessing,
          edge: decision,
          prediction,
          outbox,
          final: edgeAnswerIsFinal(decision.escalate),
          answeredBy: 'edge',
        });
      }
      case 'escalate_sync': {
        m.escalations.inc({ detector_id: detector.id, kind: 'sync' });
        const answer: LocalAnswer = {
          decision,
          reason: decision.reason,
          result:
            decision.edge && prediction
              ? this.edgeResult(detector, prediction, decision.edge.adjustedConfidence)
              : null,
          doneProcessing: false,
          edge: decision.edge,
          prediction,
          outbox: 'escalation',
          final: false,
          answeredBy: 'edge_async',
        };
        return decision.fallback === 'reject'
          ? { kind: 'cloud_only', draft, answer, explanation: explain(draft, answer) }
          : stored(draft, decision.fallback, answer);
      }
    }
  }

  private async finish(plan: Plan, image: StagedImage, startedAt: number): Promise<SubmitAnswer> {
    const { draft, answer } = plan;
    if (plan.kind === 'stored' && plan.sync === null) {
      return this.answered(plan, plan.iq, plan.json, answer.answeredBy, startedAt);
    }
    const send = {
      iqId: draft.id,
      detectorId: draft.detector.id,
      params: this.escalationParams(draft, answer, 'escalation', plan.explanation),
      image: image.data,
      contentType: image.contentType,
    };
    if (plan.kind === 'cloud_only') {
      const r = await this.deps.escalator.askOnly({ ...send, timeoutMs: this.deps.syncEscalationTimeoutMs });
      return this.afterSync(plan, r, startedAt);
    }
    // Durable first: the IQ (edge answer or result null) and its escalation were committed before this call.
    const budget = this.deps.syncEscalationTimeoutMs - (performance.now() - startedAt);
    const r = await this.deps.escalator.sendStored({ ...send, timeoutMs: Math.max(500, budget) });
    return this.afterSync(plan, r, startedAt);
  }

  private async afterSync(plan: Plan, r: SyncEscalationResult, startedAt: number): Promise<SubmitAnswer> {
    const { draft, answer } = plan;
    const local = plan.kind === 'stored' ? plan : null;
    const fallback = local ? (local.sync ?? 'outbox') : 'reject';
    const end = endSyncEscalation(fallback, r.attempt, answer.result !== null);
    switch (end.kind) {
      case 'cloud_answer': {
        const iq = withLocalResult(r.imageQuery!, local ? local.iq : buildImageQuery(draft, answer));
        const json = JSON.stringify(iq);
        if (local) await this.deps.imageQueries.update(draft.id, json, isFinalCloudAnswer(iq), this.now());
        return this.answered(plan, iq, json, 'cloud', startedAt);
      }
      case 'edge_answer_final': {
        const iq = { ...local!.iq, done_processing: true };
        const json = JSON.stringify(iq);
        await this.deps.imageQueries.update(draft.id, json, true, this.now());
        return this.answered(plan, iq, json, 'edge', startedAt);
      }
      case 'local_answer':
        return this.answered(plan, local!.iq, local!.json, end.answeredBy, startedAt);
      case 'reject':
        throw end.code === 'BAD_REQUEST'
          ? new IntelliOpticsError('BAD_REQUEST', `The cloud refused the image query: ${r.detail ?? ''}`)
          : new IntelliOpticsError(
              'CLOUD_UNREACHABLE',
              'The edge does not answer this detector and the cloud cannot be reached; retry later.',
            );
    }
  }

  private answered(
    plan: Plan,
    iq: ImageQuery,
    json: string,
    by: AnsweredBy,
    startedAt: number,
  ): SubmitAnswer {
    const { draft, answer } = plan;
    const { reason } = answer;
    const edgeResult = edgeResultOf(answer.edge, answer.prediction);
    this.deps.metrics.imageQueries.inc({ detector_id: draft.detector.id, reason });
    this.deps.metrics.answerLatency.observe({ answered_by: by }, (performance.now() - startedAt) / 1000);
    this.deps.onAnswered?.(iq);
    return { imageQuery: iq, json, reason, answeredBy: by, edgeResult };
  }

  private row(plan: Extract<Plan, { kind: 'stored' }>): NewImageQuery {
    const { draft, answer } = plan;
    return {
      id: draft.id,
      detectorId: draft.detector.id,
      createdAt: draft.createdAt,
      json: plan.json,
      final: answer.final,
      outbox: answer.outbox
        ? {
            kind: answer.outbox,
            params: this.escalationParams(draft, answer, answer.outbox, plan.explanation),
          }
        : null,
    };
  }

  private escalationParams(
    draft: Draft,
    answer: LocalAnswer,
    kind: OutboxKind,
    explanation: Explanation,
  ): EscalationParams {
    return {
      // Beside the metadata (capped at 1 kB): the cloud keeps the edge's explanation (cloud.client.ts).
      explanation,
      patience_time: draft.patienceTime,
      confidence_threshold: draft.threshold,
      human_review: draft.options.humanReview,
      metadata: escalationMetadata({
        user: draft.options.metadata,
        reason: answer.reason,
        edgeResult: edgeResultOf(answer.edge, answer.prediction),
        isEdgeAudit: kind === 'audit',
        auditRate: this.deps.config.config.global_config.confident_audit_rate,
        learnedPolicy: answer.edge?.policy !== undefined,
        inspectionId: draft.options.inspectionId,
      }),
    };
  }

  /** The Groundlight answer (result, rois, text) of the model's answer; null when it does not fit. */
  private edgeResult(
    detector: Detector,
    prediction: EdgePrediction,
    confidence: number,
  ): GroundlightAnswer | null {
    const { answer } = prediction;
    if (answer.mode !== detector.mode) {
      this.deps.log.error(
        { detectorId: detector.id, model: answer.mode, detector: detector.mode },
        'the model answers another mode than the detector',
      );
      return null;
    }
    // The model's class name wins over its index (a model trained with another class order).
    const index = modelClassIndex({
      index: answer.label.index,
      name: answer.label.name,
      mode: detector.mode,
      modeConfiguration: detector.mode_configuration,
    });
    const r = groundlightAnswer(
      { ...answer, label: { ...answer.label, index } },
      { confidence, source: 'ALGORITHM', fromEdge: true, modeConfiguration: detector.mode_configuration },
    );
    if (!r.ok) {
      this.deps.log.error({ detectorId: detector.id, err: r.error.message }, 'cannot map the model output');
      return null;
    }
    return r.value;
  }
}

function stored(draft: Draft, sync: 'edge_answer' | 'outbox' | null, answer: LocalAnswer): Plan {
  const iq = buildImageQuery(draft, answer);
  return {
    kind: 'stored',
    draft,
    answer,
    sync,
    iq,
    json: JSON.stringify(iq),
    explanation: explain(draft, answer),
  };
}

function explain(draft: Draft, answer: LocalAnswer): Explanation {
  return edgeExplanation({
    imageQueryId: draft.id,
    decision: answer.decision,
    prediction: answer.prediction,
    result: answer.result,
    cloudReachable: draft.context.cloudReachable,
    cooldownSeconds: draft.context.preset.min_time_between_escalations,
  });
}

/**
 * The image query the edge stores and returns. Its metadata is the caller's, unchanged but for
 * `is_from_edge` on an edge model's answer (as the reference edge adds); the decision's reason and numbers
 * travel to the cloud in the escalation metadata, not here. Without an edge answer the result is the
 * detector's chance-level prior, so Groundlight clients always find `result`.
 */
function buildImageQuery(draft: Draft, answer: LocalAnswer): ImageQuery {
  const { detector } = draft;
  const user = draft.options.metadata;
  const answered =
    answer.result ??
    priorAnswer(detector.mode, detector.mode_configuration, { source: 'ALGORITHM', fromEdge: true });
  return {
    metadata: answer.result ? { ...user, is_from_edge: true } : user,
    id: draft.id,
    type: 'image_query',
    created_at: new Date(draft.createdAt).toISOString(),
    query: draft.detector.query,
    detector_id: draft.detector.id,
    result_type: resultTypeForMode(draft.detector.mode),
    result: answered.result,
    patience_time: draft.patienceTime,
    confidence_threshold: draft.threshold,
    rois: answered.rois,
    text: answered.text,
    done_processing: answer.doneProcessing,
  };
}

/**
 * The cloud's image query, with the edge's result (its model's answer, or the prior) while the cloud has
 * none yet (no cloud model, no human yet): Groundlight clients always find a `result`.
 */
function withLocalResult(cloud: ImageQuery, local: ImageQuery): ImageQuery {
  if (cloud.result !== null) return cloud;
  return { ...cloud, result: local.result, rois: cloud.rois ?? local.rois, text: cloud.text ?? local.text };
}

function toOutcome(call: InferenceCall): InferenceOutcome {
  switch (call.kind) {
    case 'ok':
      return inferenceOutcomeFromAnswer(call.prediction.answer);
    case 'no_model':
      return { status: 'no_model' };
    case 'down':
    case 'rejected':
      return { status: 'down' };
  }
}

function rejectedByInference(call: Extract<InferenceCall, { kind: 'rejected' }>): IntelliOpticsError {
  switch (call.status) {
    case 413:
      return new IntelliOpticsError('IMAGE_TOO_LARGE', call.detail);
    case 415:
      return new IntelliOpticsError('UNSUPPORTED_IMAGE_FORMAT', call.detail);
    default:
      return new IntelliOpticsError(
        call.code === 'NOT_AN_IMAGE' ? 'NOT_AN_IMAGE' : 'CORRUPT_IMAGE',
        call.detail || 'The image could not be decoded.',
      );
  }
}

/**
 * The learned escalation policy the decision asks instead of the threshold, when the detector's setting and its
 * primary package allow (libs/decision selectEscalationPolicy); undefined = the threshold policy.
 */
function escalationPolicyFor(
  detector: Detector,
  prediction: EdgePrediction,
): DecisionInput['escalationPolicy'] {
  const { model } = selectEscalationPolicy(
    detector.escalation_policy,
    prediction.answer.escalation_policy?.model,
  );
  const observation = model ? policyObservationOf(prediction.answer) : null;
  return model && observation ? { model, observation } : undefined;
}
