/**
 * `POST /device-api/v1/image-queries`: validate, authorise, run local inference, apply the edge decision
 * (libs/decision), persist the image query (and its escalation) durably, answer. Transport-free: the route
 * hands in the parsed request and writes what this returns.
 *
 * What the edge does with each query parameter (the reference edge answered 400 to the last three):
 * - detector_id (required), patience_time, confidence_threshold, human_review (DEFAULT|ALWAYS|NEVER),
 *   want_async (True/true/1/False/false/0): as in the Groundlight API.
 * - metadata (URL-safe base64 JSON ≤ 1 KiB): kept on the image query and sent with its escalation.
 * - image_query_id: used as the id of the image query (409 if the edge already has one with that id).
 * - inspection_id: accepted (the SDK may send it) and forwarded with escalations in the metadata.
 * - anything else: 400 UNKNOWN_PARAMETER.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  decide,
  decideBeforeInference,
  buildEdgeResult,
  EscalationCooldowns,
  type Decision,
  type DecisionReason,
  type EdgeConfidence,
  type InferenceOutcome,
} from '@intellioptics/decision';
import {
  IntelliOpticsError,
  SubmitImageQueryParamsSchema,
  decodeMetadata,
  newId,
  resultTypeForMode,
  type Detector,
  type HumanReview,
  type ImageQuery,
  type ImageQueryResult,
} from '@intellioptics/schema';
import type { TokenService } from '../auth/token.service';
import type { CloudClient } from '../cloud-client/cloud.client';
import type { CloudStatus } from '../cloud-client/cloud-status';
import type { EdgeConfigService } from '../config/edge-config.service';
import type { DetectorService } from '../detectors/detector.service';
import type { OutboxWorker } from '../escalation/outbox.worker';
import { classifyOutcome } from '../escalation/retry-policy';
import type { InferenceCall, InferenceClient } from '../inference-client/inference.client';
import { detectorClassIndex, type EdgePrediction } from '../inference-client/inference-response';
import type { Logger } from '../logger';
import type { EdgeMetrics } from '../metrics/metrics';
import type { EscalationParams, OutboxKind, StagedImage, StateStore } from '../store/state.store';
import { inspectImage } from './image-inspect';

export interface SubmitRequest {
  query: URLSearchParams;
  token: string | undefined;
  contentType: string | undefined;
  body: Buffer;
  startedAt: number;
}

export interface SubmitResponse {
  status: number;
  /** The JSON body, serialised once (the same string is stored). */
  json: string;
  edgeOnly: boolean;
  reason: DecisionReason;
}

/** Problem carrying the edge-only mark (nginx must not replay it to the cloud). */
export class EdgeOnlyError extends IntelliOpticsError {
  readonly edgeOnly = true;
}

const DEFAULT_PATIENCE_S = 30;

/** Random bytes for ids from a pool refilled 4 KiB at a time (one crypto call per ~270 ids, not per id). */
let pool = Buffer.alloc(0);
let poolAt = 0;
function pooledRandom(n: number): Uint8Array {
  if (poolAt + n > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}
const METADATA_LIMIT = 1024;

export interface ImageQueryServiceDeps {
  store: StateStore;
  inference: InferenceClient;
  cloud: CloudClient;
  cloudStatus: CloudStatus;
  detectors: DetectorService;
  config: EdgeConfigService;
  tokens: TokenService;
  outbox: OutboxWorker;
  metrics: EdgeMetrics;
  log: Logger;
  maxImagePixels: number;
  syncEscalationTimeoutMs: number;
  random?: () => number;
  now?: () => number;
}

interface Prepared {
  id: string;
  detector: Detector;
  humanReview: HumanReview;
  wantAsync: boolean;
  requestThreshold: number | undefined;
  patienceTime: number;
  userMetadata: Record<string, unknown> | null;
  inspectionId: string | undefined;
  image: StagedImage;
  body: Buffer;
  contentType: string;
}

export class ImageQueryService {
  private readonly cooldowns = new EscalationCooldowns();

  constructor(private readonly deps: ImageQueryServiceDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async submit(req: SubmitRequest): Promise<SubmitResponse> {
    const prepared = await this.prepare(req);
    const { detector } = prepared;
    const preset = this.deps.config.presetFor(detector.id);
    const ctx = {
      preset,
      humanReview: prepared.humanReview,
      wantAsync: prepared.wantAsync,
      requestThreshold: prepared.requestThreshold,
      detectorThreshold: detector.confidence_threshold,
      cloudReachable: this.deps.cloudStatus.reachable(),
    };
    let decision = decideBeforeInference(ctx);
    let prediction: EdgePrediction | null = null;
    if (decision === undefined) {
      const call = await this.deps.inference.infer(detector.id, prepared.body, prepared.contentType);
      if (call.kind === 'rejected') throw rejectedByInference(call);
      prediction = call.kind === 'ok' ? call.prediction : null;
      const outcome = toOutcome(call, detector);
      decision = decide({
        ...ctx,
        inference: outcome,
        lastEscalationAtMs: this.cooldowns.lastEscalationAt(detector.id),
        nowMs: performance.now(),
        auditRoll: Math.min(0.999999999, (this.deps.random ?? Math.random)()),
        confidentAuditRate: this.deps.config.config.global_config.confident_audit_rate,
      });
      if (call.kind === 'down')
        this.deps.log.warn({ detectorId: detector.id, err: call.message }, 'inference unavailable');
    }
    return this.execute(prepared, decision, prediction, req.startedAt);
  }

  /** Steps before any decision: content type, parameters, token, body, detector. */
  private async prepare(req: SubmitRequest): Promise<Prepared> {
    const ct = (req.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (!ct.startsWith('image/')) {
      throw new IntelliOpticsError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be image bytes');
    }
    const raw: Record<string, string> = {};
    for (const [k, v] of req.query) raw[k] = v;
    const parsed = SubmitImageQueryParamsSchema.safeParse(raw);
    if (!parsed.success) {
      const unknown = parsed.error.issues.find((i) => i.code === 'unrecognized_keys');
      if (unknown && 'keys' in unknown) {
        throw new IntelliOpticsError(
          'UNKNOWN_PARAMETER',
          `Invalid query parameters: ${unknown.keys.join(', ')}`,
        );
      }
      const first = parsed.error.issues[0];
      throw new IntelliOpticsError(
        'INVALID_PARAMETER',
        `Invalid query parameter ${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid value'}`,
      );
    }
    const p = parsed.data;
    const metadata = decodeMetadata(p.metadata);
    if (!metadata.ok)
      throw new IntelliOpticsError('INVALID_PARAMETER', `Invalid metadata: ${metadata.error ?? ''}`);

    await this.deps.tokens.authorize(req.token);

    const info = inspectImage(req.body, this.deps.maxImagePixels);
    const detector = await this.deps.detectors.get(p.detector_id, req.token ?? null);
    this.deps.detectors.markQueried(detector.id);

    const id = p.image_query_id ?? newId('imageQuery', { random: pooledRandom });
    if (p.image_query_id && (await this.deps.store.getImageQuery(id))) {
      throw new IntelliOpticsError('ALREADY_EXISTS', `An image query with the id ${id} already exists.`);
    }
    // The image is written while inference runs; the row that points at it waits for it.
    const image = this.deps.store.stageImage(id, req.body, info.contentType);
    return {
      id,
      detector,
      humanReview: p.human_review ?? 'DEFAULT',
      wantAsync: p.want_async ?? false,
      requestThreshold: p.confidence_threshold,
      patienceTime: p.patience_time ?? detector.patience_time ?? DEFAULT_PATIENCE_S,
      userMetadata: metadata.value,
      inspectionId: p.inspection_id,
      image,
      body: req.body,
      contentType: info.contentType,
    };
  }

  private async execute(
    p: Prepared,
    decision: Decision,
    prediction: EdgePrediction | null,
    startedAt: number,
  ): Promise<SubmitResponse> {
    const { detector } = p;
    const m = this.deps.metrics;
    const threshold = p.requestThreshold ?? detector.confidence_threshold;
    switch (decision.kind) {
      case 'reject': {
        m.imageQueries.inc({ detector_id: detector.id, reason: decision.reason });
        const Err = decision.edgeOnly ? EdgeOnlyError : IntelliOpticsError;
        throw new Err(decision.code, decision.detail);
      }
      case 'accept_async': {
        const iq = this.buildIq(p, threshold, null, false, decision.reason, null, prediction);
        const json = JSON.stringify(iq);
        await this.record(p, json, false, 'escalation', decision.reason, null, prediction);
        m.escalations.inc({ detector_id: detector.id, kind: 'async' });
        return this.answered(p, json, decision.reason, 'edge_async', startedAt);
      }
      case 'answer_edge': {
        if (!prediction) throw new Error('answer_edge without a prediction');
        const result = this.edgeResult(detector, prediction, decision.adjustedConfidence);
        if (!result) return this.execute(p, this.noModelDecision(p, decision), null, startedAt);
        if (!decision.confident) m.belowThreshold.inc({ detector_id: detector.id });
        const iq = this.buildIq(
          p,
          threshold,
          result,
          decision.doneProcessing,
          decision.reason,
          decision,
          prediction,
        );
        const json = JSON.stringify(iq);
        const outbox: OutboxKind | null =
          decision.escalate === 'background' ? 'escalation' : decision.escalate === 'audit' ? 'audit' : null;
        if (decision.escalate === 'background') this.cooldowns.record(detector.id, performance.now());
        await this.record(p, json, outbox !== 'escalation', outbox, decision.reason, decision, prediction);
        if (outbox === 'audit') m.audits.inc({ detector_id: detector.id });
        if (outbox === 'escalation') m.escalations.inc({ detector_id: detector.id, kind: 'background' });
        return this.answered(p, json, decision.reason, 'edge', startedAt);
      }
      case 'escalate_sync':
        return this.escalateSync(p, decision, prediction, threshold, startedAt);
    }
  }

  /** The detector's mode does not fit the model's output: answer as if no model were installed. */
  private noModelDecision(p: Prepared, previous: Decision): Decision {
    this.deps.log.error(
      { detectorId: p.detector.id, previous: previous.kind },
      'model output does not fit the detector',
    );
    return decide({
      preset: this.deps.config.presetFor(p.detector.id),
      humanReview: p.humanReview,
      wantAsync: p.wantAsync,
      requestThreshold: p.requestThreshold,
      detectorThreshold: p.detector.confidence_threshold,
      cloudReachable: this.deps.cloudStatus.reachable(),
      inference: { status: 'no_model' },
      lastEscalationAtMs: undefined,
      nowMs: performance.now(),
      auditRoll: 0.5,
      confidentAuditRate: 0,
    });
  }

  private async escalateSync(
    p: Prepared,
    decision: Extract<Decision, { kind: 'escalate_sync' }>,
    prediction: EdgePrediction | null,
    threshold: number,
    startedAt: number,
  ): Promise<SubmitResponse> {
    const { detector, id } = p;
    const m = this.deps.metrics;
    const edgeResult =
      decision.edge && prediction
        ? this.edgeResult(detector, prediction, decision.edge.adjustedConfidence)
        : null;
    const params = this.escalationParams(p, threshold, decision.reason, decision.edge, prediction);
    m.escalations.inc({ detector_id: detector.id, kind: 'sync' });

    if (decision.fallback === 'reject') {
      // `enabled: false`: the edge keeps nothing; the cloud answers or the client is told to retry.
      const r = await this.deps.cloud.submitImageQuery({
        iqId: id,
        detectorId: detector.id,
        params,
        image: p.body,
        contentType: p.contentType,
        wantAsync: false,
        timeoutMs: this.deps.syncEscalationTimeoutMs,
      });
      this.noteCloud(r.outcome.kind === 'http' && r.outcome.status < 500);
      if (r.imageQuery) {
        m.imageQueries.inc({ detector_id: detector.id, reason: decision.reason });
        return this.answered(p, JSON.stringify(r.imageQuery), decision.reason, 'cloud', startedAt, false);
      }
      if (r.outcome.kind === 'http' && r.outcome.status >= 400 && r.outcome.status < 500) {
        throw new IntelliOpticsError('BAD_REQUEST', `The cloud refused the image query: ${r.detail ?? ''}`);
      }
      throw new IntelliOpticsError(
        'CLOUD_UNREACHABLE',
        'The edge does not answer this detector and the cloud cannot be reached; retry later.',
      );
    }

    // Durable first: the IQ (edge answer or result null) and its escalation are on disk before we ask.
    const localIq = this.buildIq(p, threshold, edgeResult, false, decision.reason, decision.edge, prediction);
    const localJson = JSON.stringify(localIq);
    this.deps.outbox.claim(id);
    try {
      await this.record(p, localJson, false, 'escalation', decision.reason, decision.edge, prediction);
      const r = await this.deps.cloud.submitImageQuery({
        iqId: id,
        detectorId: detector.id,
        params,
        image: p.body,
        contentType: p.contentType,
        wantAsync: false,
        timeoutMs: Math.max(500, this.deps.syncEscalationTimeoutMs - (this.now() - startedAt)),
      });
      const action = classifyOutcome(r.outcome);
      this.noteCloud(action !== 'retry');
      const settled = await this.deps.outbox.settle(id, 'escalation', r.outcome, r.detail);
      if (action === 'delivered' && r.imageQuery) {
        const cloudJson = JSON.stringify(r.imageQuery);
        await this.deps.store.updateImageQuery(id, cloudJson, isFinal(r.imageQuery), this.now());
        return this.answered(p, cloudJson, decision.reason, 'cloud', startedAt);
      }
      if (settled === 'failed') {
        // The cloud refused this item for good: the edge answer (if any) is final.
        if (edgeResult) {
          const finalJson = JSON.stringify({ ...localIq, done_processing: true });
          await this.deps.store.updateImageQuery(id, finalJson, true, this.now());
          return this.answered(p, finalJson, decision.reason, 'edge', startedAt);
        }
        throw new IntelliOpticsError('BAD_REQUEST', `The cloud refused the image query: ${r.detail ?? ''}`);
      }
      // Transient failure (or delivered without a body): the outbox delivers it; the local IQ answers now.
      return this.answered(p, localJson, decision.reason, edgeResult ? 'edge' : 'edge_async', startedAt);
    } finally {
      this.deps.outbox.release(id);
    }
  }

  private noteCloud(ok: boolean): void {
    if (ok) this.deps.cloudStatus.ok();
    else this.deps.cloudStatus.failed();
  }

  private answered(
    p: Prepared,
    json: string,
    reason: DecisionReason,
    by: 'edge' | 'edge_async' | 'cloud',
    startedAt: number,
    count = true,
  ): SubmitResponse {
    if (count) this.deps.metrics.imageQueries.inc({ detector_id: p.detector.id, reason });
    this.deps.metrics.answerLatency.observe({ answered_by: by }, (performance.now() - startedAt) / 1000);
    return { status: 200, json, edgeOnly: false, reason };
  }

  private async record(
    p: Prepared,
    json: string,
    final: boolean,
    outbox: OutboxKind | null,
    reason: DecisionReason,
    edge: EdgeConfidence | null,
    prediction: EdgePrediction | null,
  ): Promise<void> {
    const threshold = p.requestThreshold ?? p.detector.confidence_threshold;
    await this.deps.store.recordImageQuery({
      id: p.id,
      detectorId: p.detector.id,
      createdAt: this.now(),
      json,
      final,
      image: p.image,
      outbox: outbox
        ? { kind: outbox, params: this.escalationParams(p, threshold, reason, edge, prediction, outbox) }
        : null,
    });
    if (outbox) this.deps.outbox.wake();
  }

  private edgeResult(
    detector: Detector,
    prediction: EdgePrediction,
    confidence: number,
  ): ImageQueryResult | null {
    const r = buildEdgeResult({
      mode: detector.mode,
      index: detectorClassIndex(prediction, detector.mode, detector.mode_configuration),
      confidence,
      modeConfiguration: detector.mode_configuration,
    });
    if (!r.ok) {
      this.deps.log.error({ detectorId: detector.id, err: r.error.message }, 'cannot map the model output');
      return null;
    }
    return r.value;
  }

  private edgeResultSummary(
    edge: EdgeConfidence | null,
    prediction: EdgePrediction | null,
  ): Record<string, unknown> | null {
    if (!prediction) return null;
    return {
      class_index: prediction.classIndex,
      raw_primary_confidence: round(prediction.primaryConfidence),
      oodd_outlier_probability:
        prediction.outlierProbability === null ? null : round(prediction.outlierProbability),
      adjusted_confidence: edge ? round(edge.adjustedConfidence) : null,
      threshold: edge?.threshold ?? null,
      primary_model_version: prediction.modelVersions.primary,
      oodd_model_version: prediction.modelVersions.oodd,
      ...(prediction.modelIds.primary ? { mlb_key: prediction.modelIds.primary } : {}),
      ...(prediction.modelIds.oodd ? { oodd_mlb_key: prediction.modelIds.oodd } : {}),
    };
  }

  private buildIq(
    p: Prepared,
    threshold: number,
    result: ImageQueryResult | null,
    doneProcessing: boolean,
    reason: DecisionReason,
    edge: EdgeConfidence | null,
    prediction: EdgePrediction | null,
  ): ImageQuery {
    return {
      metadata: {
        ...p.userMetadata,
        is_from_edge: true,
        reason,
        edge_result: this.edgeResultSummary(edge, prediction),
      },
      id: p.id,
      type: 'image_query',
      created_at: new Date(this.now()).toISOString(),
      query: p.detector.query,
      detector_id: p.detector.id,
      result_type: resultTypeForMode(p.detector.mode),
      result,
      patience_time: p.patienceTime,
      confidence_threshold: threshold,
      rois: null,
      text: null,
      done_processing: doneProcessing,
    };
  }

  /** Escalation metadata: the caller's, plus edge_result and reason; ≤ 1 KiB (edge_result goes first if not). */
  private escalationParams(
    p: Prepared,
    threshold: number,
    reason: DecisionReason,
    edge: EdgeConfidence | null,
    prediction: EdgePrediction | null,
    kind: OutboxKind = 'escalation',
  ): EscalationParams {
    const extra: Record<string, unknown> = {
      reason,
      edge_result: this.edgeResultSummary(edge, prediction),
      ...(kind === 'audit' ? { is_edge_audit: true } : {}),
      ...(p.inspectionId ? { inspection_id: p.inspectionId } : {}),
    };
    let metadata: Record<string, unknown> = { ...p.userMetadata, ...extra };
    if (Buffer.byteLength(JSON.stringify(metadata)) > METADATA_LIMIT) {
      metadata = { ...p.userMetadata, reason, ...(kind === 'audit' ? { is_edge_audit: true } : {}) };
    }
    if (Buffer.byteLength(JSON.stringify(metadata)) > METADATA_LIMIT) metadata = { reason };
    return {
      patience_time: p.patienceTime,
      confidence_threshold: threshold,
      human_review: p.humanReview,
      metadata,
    };
  }
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function toOutcome(call: InferenceCall, detector: Detector): InferenceOutcome {
  switch (call.kind) {
    case 'ok':
      return {
        status: 'ok',
        mode: detector.mode,
        primaryConfidence: call.prediction.primaryConfidence,
        numClasses: call.prediction.numClasses,
        outlierProbability: call.prediction.outlierProbability,
      };
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

/** A cloud answer that will not change any more. */
export function isFinal(iq: ImageQuery): boolean {
  return iq.done_processing || iq.result?.source === 'USER';
}
