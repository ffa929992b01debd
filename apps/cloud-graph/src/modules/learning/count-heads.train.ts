/**
 * What the training worker learns for COUNT detectors beyond the linear count classifier (#13):
 *
 * 1. A class outside COCO (`class_name` the built-in detector does not know): a patch density head on the
 *    backbone's 7×7 spatial map, trained from the reviewers' boxes (each box spreads one object over the cells
 *    it covers; count = sum of cell densities), measured on a held-out 20%, packaged as a feature-map primary
 *    (`training.algorithm: 'density_map'`, libs/vision heads/density-head.package.ts) that the edge serves from
 *    the same backbone pass (apps/inference models/density-head.ts). Until it exists such queries escalate with
 *    the built-in "no model for class" reason.
 * 2. A COCO class: the detector's own count calibration, P(count right) from the raw confidence and the count,
 *    fitted on its reviewers' counts vs the COCO detector's, when enough labels exist (measured 2-fold).
 *
 * Call site (training.worker.ts `train(job)`, once the labels are snapshotted): `trainCountHeadsForJob` returns
 * the job outcome in the worker's shape for both, or null for any other detector and for a class outside COCO
 * with too few boxed images (the linear heads train then, on the counts):
 * - outside COCO: trainDensityForJob reads the boxed labels, trains, stores and (when it beats the constant on
 *   held-out images) publishes the density package as the detector's primary;
 * - a COCO class: calibrateCocoCountForJob fits the calibration on the reviewers' counts and publishes it as a
 *   calibration package (libs/vision count-calibration.package.ts) when its held-out ECE beats the shipped
 *   calibration's on the same images. The COCO detector keeps answering such a detector (no linear count
 *   classifier replaces it); the inference service reads the package and uses its calibration.
 */
import type { DetectorMode, Roi } from '@intellioptics/schema';
import {
  classLayout,
  classNameOf,
  GREATER_THAN_MAX,
  maxCountOf,
  DEFAULT_MAX_COUNT,
} from '@intellioptics/schema';
import type {
  BoxedMap,
  CountCalibration,
  DensityTrainResult,
  LabelledCount,
  ModelPackage,
  NormalisedBox,
  ObjectDetector,
  VisionEngine,
} from '@intellioptics/vision';
import {
  binaryEce,
  buildCountCalibrationPackage,
  buildDensityPackage,
  calibratedCountConfidence,
  CANDIDATE_FLOOR,
  countScoreFeatures,
  DEFAULT_MIN_SCORE,
  fitCountCalibration,
  identityCountCalibration,
  mulberry32,
  ObjectDetector as CocoObjectDetector,
  resolveCocoClasses,
  shippedCountCalibration,
} from '@intellioptics/vision';
import type { BlobStore } from '../../blob/blob-store';
import type { Orm } from '../../db/orm';
import { ModelVersion } from '../model-versions/model-version.entity';
import type { ModelVersionService } from '../model-versions/model-version.service';
import { putPackageSiblings } from './model-package.blobs';
import { runInThread } from './training.thread';

/** Fewer boxed images than this: no density head yet (the queries keep escalating). */
export const MIN_DENSITY_IMAGES = 10;
/** Fewer reviewer counts than this: the shipped COCO count calibration stands. */
export const MIN_CALIBRATION_LABELS = 40;

/** The class a COUNT detector must learn from boxes (not a COCO class), else null. */
export function densityClassOf(
  mode: DetectorMode,
  modeConfiguration: Record<string, unknown> | null | undefined,
): string | null {
  if (mode !== 'COUNT') return null;
  const name = classNameOf(modeConfiguration);
  return name && resolveCocoClasses(name).length === 0 ? name : null;
}

/** A COUNT detector of a COCO class (its counts come from the COCO detector), else null. */
export function cocoCountClassOf(
  mode: DetectorMode,
  modeConfiguration: Record<string, unknown> | null | undefined,
): string | null {
  if (mode !== 'COUNT') return null;
  const name = classNameOf(modeConfiguration);
  return name && resolveCocoClasses(name).length > 0 ? name : null;
}

export interface BoxLabelRow {
  image_query_id: string;
  label: string;
  rois: Roi[] | null;
  image_key: string;
}

/** The latest label of each of the detector's image queries, with the reviewer's boxes (up to the job's snapshot). */
export async function latestBoxLabels(
  orm: Orm,
  detectorId: string,
  untilJobId: string | null,
): Promise<BoxLabelRow[]> {
  return orm.em.getConnection().execute<BoxLabelRow[]>(
    `with until as (select labels_snapshot_at as at from training_jobs where id = ?)
     select distinct on (l.image_query_id) l.image_query_id, l.label, l.rois, iq.image_key
     from labels l join image_queries iq on iq.id = l.image_query_id
     where iq.detector_id = ? and l.created_at <= coalesce((select at from until), 'infinity'::timestamptz)
     order by l.image_query_id, l.created_at desc, l.id desc`,
    [untilJobId, detectorId],
    'all',
  );
}

/**
 * The boxes a label gives the density head: its ROIs, or none for a "0" label without ROIs. A non-zero count
 * without boxes cannot say where the objects are: null (not used).
 */
export function boxesOfLabel(row: Pick<BoxLabelRow, 'label' | 'rois'>): NormalisedBox[] | null {
  if (row.rois && row.rois.length > 0)
    return row.rois.map(({ geometry: g }) => ({
      left: g.left,
      top: g.top,
      right: g.right,
      bottom: g.bottom,
    }));
  return row.label.trim() === '0' ? [] : null;
}

export interface BoxedImage {
  id: string;
  image: Uint8Array;
  boxes: readonly NormalisedBox[];
}

/** Too little to learn from: nothing trained, with the reason. */
export interface SkippedOutcome {
  kind: 'skipped';
  reason: string;
}

export type DensityOutcome =
  { kind: 'trained'; pkg: ModelPackage; trained: DensityTrainResult; log: string[] } | SkippedOutcome;

/** Embeds the boxed images' spatial maps (one backbone pass each batch) and trains and packages the head. */
export async function trainDensityCountPackage(args: {
  engine: VisionEngine;
  detector: { id: string; modeConfiguration: Record<string, unknown> | null };
  images: readonly BoxedImage[];
  batch?: number;
  createdAt?: string;
  /** Called after each embedded batch, and every `beatEveryMs` while the fit runs (the worker renews its lease). */
  onProgress?: (done: number, total: number) => Promise<void>;
  beatEveryMs?: number;
}): Promise<DensityOutcome> {
  const { engine, detector } = args;
  const className = classNameOf(detector.modeConfiguration) ?? '';
  if (args.images.length < MIN_DENSITY_IMAGES)
    return {
      kind: 'skipped',
      reason: `${args.images.length} images with reviewer boxes for "${className}", ${MIN_DENSITY_IMAGES} needed for a density head`,
    };
  const examples: BoxedMap[] = [];
  let unreadable = 0;
  const batch = args.batch ?? 16;
  for (let i = 0; i < args.images.length; i += batch) {
    const part = args.images.slice(i, i + batch);
    const tensors: { img: BoxedImage; t: Float32Array }[] = [];
    for (const img of part) {
      try {
        tensors.push({ img, t: await engine.preprocess(img.image) });
      } catch {
        unreadable++;
      }
    }
    if (tensors.length === 0) continue;
    const maps = await engine.embedSpatialTensors(tensors.map((x) => x.t));
    tensors.forEach((x, j) => examples.push({ id: x.img.id, map: maps[j]!.map, boxes: x.img.boxes }));
    await args.onProgress?.(i + part.length, args.images.length);
  }
  if (examples.length < MIN_DENSITY_IMAGES)
    return { kind: 'skipped', reason: `${unreadable} of the boxed images are unreadable; too few left` };
  const { featureDim, featureMapSize } = engine.backbone;
  const { onProgress } = args;
  // The fit is seconds of synchronous arithmetic on the maps: a worker thread (training.thread.ts) does it,
  // handed the maps' buffers (each map owns its own; nothing here reads them again).
  const trained = await runInThread(
    'density',
    { examples, featureDim, featureMapSize },
    {
      transfer: [...new Set(examples.map((e) => e.map.buffer as ArrayBuffer))],
      ...(onProgress
        ? {
            keepAlive: {
              everyMs: args.beatEveryMs ?? 5000,
              beat: () => onProgress(args.images.length, args.images.length),
            },
          }
        : {}),
    },
  );
  const maxCount = maxCountOf(detector.modeConfiguration) ?? DEFAULT_MAX_COUNT;
  const pkg = buildDensityPackage({
    trained,
    maxCount,
    className,
    pipeline: engine.pipeline,
    backbone: engine.backbone,
    detectorId: detector.id,
    createdAt: args.createdAt ?? new Date().toISOString(),
  });
  const m = trained.metrics;
  return {
    kind: 'trained',
    pkg,
    trained,
    log: [
      `density head for "${className}" on ${m.train_examples} boxed images (${unreadable} unreadable): held-out ${m.held_out_examples} MAE ${m.held_out_mae.toFixed(3)} (constant ${m.held_out_mae_constant.toFixed(3)}), exact ${m.held_out_exact.toFixed(3)}, σ ${trained.sigma.toFixed(3)}`,
    ],
  };
}

export interface CountedImage {
  id: string;
  image: Uint8Array;
  /** The reviewer's count label ("3", "GREATER_THAN_MAX"). */
  label: string;
}

export type CalibrationOutcome =
  | {
      kind: 'fitted';
      calibration: CountCalibration;
      /**
       * Means over the two folds: `ece` is the detector's map's (`map`: fitted, or the raw confidence when that
       * is the better calibrated); accuracy is the COCO detector's counts'.
       */
      heldOut: {
        map: 'fitted' | 'raw';
        ece: number;
        ece_raw: number;
        ece_fitted: number;
        ece_shipped: number;
        accuracy: number;
        examples: number;
      };
      /** Reviewer labels per count class, in class order. */
      labelsPerClass: number[];
      log: string[];
    }
  | SkippedOutcome;

/**
 * The detector's own count calibration: the COCO detector counts each labelled image as the edge would, a
 * count is right when its class equals the reviewer's; measured by 2-fold cross-fitting (random halves), then
 * fitted on all the labels.
 */
export async function fitDetectorCountCalibration(args: {
  detector: ObjectDetector;
  spec: { mode: DetectorMode; modeConfiguration: Record<string, unknown> | null };
  images: readonly CountedImage[];
  seed?: number;
  /** Called every 16 images (the worker renews its lease). */
  onProgress?: (done: number, total: number) => Promise<void>;
}): Promise<CalibrationOutcome> {
  const className = classNameOf(args.spec.modeConfiguration) ?? '';
  const classes = resolveCocoClasses(className);
  if (args.spec.mode !== 'COUNT' || classes.length === 0)
    return { kind: 'skipped', reason: `not a COUNT detector of a COCO class ("${className}")` };
  const layout = classLayout('COUNT', args.spec.modeConfiguration);
  const maxCount = maxCountOf(args.spec.modeConfiguration) ?? DEFAULT_MAX_COUNT;
  const labelled: LabelledCount[] = [];
  for (const [i, img] of args.images.entries()) {
    if (i > 0 && i % 16 === 0) await args.onProgress?.(i, args.images.length);
    const truth = layout.indexOf(img.label);
    if (truth === null) continue;
    let candidates;
    try {
      candidates = await args.detector.detect(img.image, { classes, minScore: CANDIDATE_FLOOR });
    } catch {
      continue; // unreadable
    }
    const features = countScoreFeatures(candidates, DEFAULT_MIN_SCORE);
    const predicted = features.count > maxCount ? maxCount + 1 : features.count;
    labelled.push({ features, correct: predicted === truth });
  }
  if (labelled.length < MIN_CALIBRATION_LABELS)
    return {
      kind: 'skipped',
      reason: `${labelled.length} usable count labels, ${MIN_CALIBRATION_LABELS} needed to calibrate the count confidence`,
    };
  const rng = mulberry32(args.seed ?? 1);
  const order = labelled.map((e) => ({ e, r: rng() })).sort((a, b) => a.r - b.r);
  const half = Math.floor(order.length / 2);
  const halves = [order.slice(0, half).map((o) => o.e), order.slice(half).map((o) => o.e)] as const;
  const shipped = shippedCountCalibration();
  const folds = [0, 1].map((f) => {
    const fit = halves[f]!;
    const score = halves[1 - f]!;
    const cal = fitCountCalibration(fit, { source: `fold ${f}` });
    const correct = score.map((e) => e.correct);
    return {
      fit_on: `random half ${f}`,
      scored_on: `random half ${1 - f}`,
      examples: score.length,
      ece_raw: binaryEce(
        score.map((e) => e.features.raw),
        correct,
      ),
      ece_calibrated: binaryEce(
        score.map((e) => calibratedCountConfidence(cal, e.features)),
        correct,
      ),
      // The shipped map was fitted on none of these images: held-out for it too.
      ece_shipped: binaryEce(
        score.map((e) => (shipped ? calibratedCountConfidence(shipped, e.features) : e.features.raw)),
        correct,
      ),
      accuracy: correct.filter(Boolean).length / score.length,
    };
  });
  const mean = (k: 'ece_raw' | 'ece_calibrated' | 'ece_shipped'): number => (folds[0]![k] + folds[1]![k]) / 2;
  // The raw confidence needs no fitting, so its fold ECE is held-out as it stands: when it is the better
  // calibrated of the two, the detector's map is the identity (the raw confidence served as is).
  const map = mean('ece_raw') < mean('ece_calibrated') ? 'raw' : 'fitted';
  const source = `${labelled.length} reviewer counts of "${className}"`;
  const calibration = {
    ...(map === 'raw'
      ? identityCountCalibration(labelled.length, `raw confidence, better calibrated on ${source}`)
      : fitCountCalibration(labelled, { source })),
    held_out: folds,
  };
  const labelsPerClass = layout.classNames.map(() => 0);
  for (const img of args.images) {
    const k = layout.indexOf(img.label);
    if (k !== null) labelsPerClass[k]!++;
  }
  return {
    kind: 'fitted',
    calibration,
    heldOut: {
      map,
      ece: Math.min(mean('ece_raw'), mean('ece_calibrated')),
      ece_raw: mean('ece_raw'),
      ece_fitted: mean('ece_calibrated'),
      ece_shipped: mean('ece_shipped'),
      accuracy:
        (folds[0]!.accuracy * folds[0]!.examples + folds[1]!.accuracy * folds[1]!.examples) / labelled.length,
      examples: labelled.length,
    },
    labelsPerClass,
    log: [
      `count calibration on ${labelled.length} reviewer counts: 2-fold ECE raw ${mean('ece_raw').toFixed(4)}, shipped calibration ${mean('ece_shipped').toFixed(4)}, fitted ${mean('ece_calibrated').toFixed(4)} → the detector's map: ${map} (${GREATER_THAN_MAX} counted as max_count + 1)`,
    ],
  };
}

export interface DensityJobDeps {
  orm: Orm;
  blobs: BlobStore;
  models: Pick<ModelVersionService, 'create' | 'publish'>;
  engine: VisionEngine;
  /** The worker's heartbeat (renews the job's lease; throws when another worker owns the job now). */
  beat?: (patch: { progress?: number; stage?: string; log?: string[] }) => Promise<void>;
  /** How often to beat while a fit runs in its thread (default 5 s). */
  beatEveryMs?: number;
}

/** Progress over the image pass as a heartbeat: 0.1 → 0.8 of the job. */
const beatOver =
  (deps: Pick<DensityJobDeps, 'beat'>, stage: string) =>
  async (done: number, total: number): Promise<void> =>
    deps.beat?.({ stage, progress: 0.1 + 0.7 * (total > 0 ? done / total : 1) });

export interface DensityJobResult {
  outcome: 'PUBLISHED' | 'REFUSED';
  /** Nothing was trained (too few boxed images): the caller may train something else. */
  skipped?: boolean;
  result: Record<string, unknown>;
  summary: string;
}

/**
 * One training job of a COUNT detector whose class is outside COCO: the boxed labels up to the job's snapshot,
 * the density head, stored as a primary model version and published when its held-out MAE beats always answering
 * the training mean (else stored REJECTED). Too few boxed images: REFUSED with the reason, nothing stored.
 */
export async function trainDensityForJob(
  deps: DensityJobDeps,
  job: { id: string },
  detector: { id: string; modeConfiguration?: Record<string, unknown> | null },
): Promise<DensityJobResult> {
  const rows = await latestBoxLabels(deps.orm, detector.id, job.id);
  const images: BoxedImage[] = [];
  let missing = 0;
  let unboxed = 0;
  for (const r of rows) {
    const boxes = boxesOfLabel(r);
    if (!boxes) {
      unboxed++;
      continue;
    }
    const blob = await deps.blobs.get(r.image_key);
    if (!blob) missing++;
    else images.push({ id: r.image_query_id, image: blob.data, boxes });
  }
  const counts = {
    labels: rows.length,
    boxed: images.length,
    without_boxes: unboxed,
    missing_images: missing,
  };
  const out = await trainDensityCountPackage({
    engine: deps.engine,
    detector: { id: detector.id, modeConfiguration: detector.modeConfiguration ?? null },
    images,
    onProgress: beatOver(deps, 'density'),
    ...(deps.beatEveryMs !== undefined ? { beatEveryMs: deps.beatEveryMs } : {}),
  });
  if (out.kind === 'skipped')
    return {
      outcome: 'REFUSED',
      skipped: true,
      result: { density: counts, reason: out.reason },
      summary: `refused: ${out.reason}`,
    };
  const m = out.trained.metrics;
  const publish = m.held_out_mae < m.held_out_mae_constant;
  const reason = `held-out MAE ${m.held_out_mae.toFixed(3)} ${publish ? '<' : '≥'} constant ${m.held_out_mae_constant.toFixed(3)}`;
  const metrics = {
    ...m,
    count_sigma: out.trained.sigma,
    training_job_id: job.id,
    head: 'density_map',
    reason,
  };
  return storePrimary(deps, detector.id, out.pkg, {
    metrics,
    publish,
    what: 'density primary',
    result: { density: counts },
    detail: `${reason} on ${m.held_out_examples} held-out images; ${out.log.join('; ')}`,
  });
}

/**
 * Stores a primary package as a model version, then publishes it or marks it REJECTED; the job's result names
 * the version (`result` first: what the job counted), the summary says `what` was published or refused and why.
 */
async function storePrimary(
  deps: Pick<DensityJobDeps, 'orm' | 'blobs' | 'models'>,
  detectorId: string,
  pkg: ModelPackage,
  job: {
    metrics: Record<string, unknown>;
    publish: boolean;
    what: string;
    result: Record<string, unknown>;
    detail: string;
  },
): Promise<DensityJobResult> {
  const { metrics, publish } = job;
  const stored = await deps.models.create({
    detectorId,
    kind: 'primary',
    data: Buffer.from(pkg.modelBytes),
    metrics,
  });
  await putPackageSiblings(deps.blobs, stored.blobKey, pkg, stored.id);
  if (publish) {
    const r = await deps.models.publish(stored.id);
    if (!r.ok) throw new Error(`publishing ${stored.id} failed: ${r.message}`);
  } else {
    await deps.orm.em.fork().nativeUpdate(ModelVersion, { id: stored.id }, { state: 'REJECTED' });
  }
  return {
    outcome: publish ? 'PUBLISHED' : 'REFUSED',
    result: {
      ...job.result,
      metrics,
      modelVersionIds: { primary: stored.id },
      versions: { primary: stored.number },
    },
    summary: `${publish ? 'published' : 'refused'} ${job.what} v${stored.number} (${stored.id}): ${job.detail}`,
  };
}

export interface CountJobDeps extends DensityJobDeps {
  /** The COCO detector (loaded for the job and released after it when absent). */
  objectDetector?: () => Promise<ObjectDetector>;
}

/**
 * One training job of a COUNT detector of a COCO class: the reviewers' counts up to the job's snapshot, the COCO
 * detector run on each image as the edge runs it, the detector's own calibration fitted and measured 2-fold
 * (fitDetectorCountCalibration). Shipped as a calibration package, published when its held-out ECE is below the
 * shipped calibration's on the same images (else stored REJECTED). Too few counts: REFUSED, and the COCO detector
 * keeps answering with the shipped calibration.
 */
export async function calibrateCocoCountForJob(
  deps: CountJobDeps,
  job: { id: string },
  detector: { id: string; mode: DetectorMode; modeConfiguration?: Record<string, unknown> | null },
): Promise<DensityJobResult> {
  const modeConfiguration = detector.modeConfiguration ?? null;
  const rows = await latestBoxLabels(deps.orm, detector.id, job.id);
  const images: CountedImage[] = [];
  let missing = 0;
  for (const r of rows) {
    const blob = await deps.blobs.get(r.image_key);
    if (!blob) missing++;
    else images.push({ id: r.image_query_id, image: blob.data, label: r.label });
  }
  const counts = { labels: rows.length, missing_images: missing };
  const own = deps.objectDetector ? null : await CocoObjectDetector.load();
  let out: CalibrationOutcome;
  try {
    const coco = own ?? (await deps.objectDetector!());
    out = await fitDetectorCountCalibration({
      detector: coco,
      spec: { mode: detector.mode, modeConfiguration },
      images,
      onProgress: beatOver(deps, 'count_calibration'),
    });
  } finally {
    await own?.release();
  }
  if (out.kind === 'skipped')
    return {
      outcome: 'REFUSED',
      result: { count_calibration: counts, reason: out.reason },
      summary: `refused: ${out.reason}; the COCO detector keeps answering with the shipped count calibration`,
    };
  const h = out.heldOut;
  const publish = h.ece < h.ece_shipped;
  const reason = `held-out ECE ${h.ece.toFixed(4)} (${h.map}) ${publish ? '<' : '≥'} shipped calibration ${h.ece_shipped.toFixed(4)}`;
  const numbers = {
    held_out_examples: h.examples,
    held_out_ece: h.ece,
    held_out_ece_raw: h.ece_raw,
    held_out_ece_fitted: h.ece_fitted,
    held_out_ece_shipped: h.ece_shipped,
    held_out_count_accuracy: h.accuracy,
  };
  const { featureDim, id, sha256 } = deps.engine.backbone;
  const pkg = buildCountCalibrationPackage({
    calibration: out.calibration,
    className: classNameOf(modeConfiguration) ?? '',
    maxCount: maxCountOf(modeConfiguration) ?? DEFAULT_MAX_COUNT,
    labelsPerClass: out.labelsPerClass,
    pipeline: deps.engine.pipeline,
    backbone: { id, sha256, featureDim },
    detectorId: detector.id,
    metrics: numbers,
    createdAt: new Date().toISOString(),
  });
  const metrics = { ...numbers, training_job_id: job.id, head: 'coco_count_calibration', reason };
  return storePrimary(deps, detector.id, pkg, {
    metrics,
    publish,
    what: 'count calibration',
    result: { count_calibration: counts },
    detail: `${reason} on ${h.examples} reviewer counts (2-fold); ${out.log.join('; ')}`,
  });
}

/**
 * The worker's hook (training.worker.ts): the COUNT learners of this module for a COUNT detector with a class
 * name (a density head outside COCO, the count calibration for a COCO class), null for every other detector.
 */
export async function trainCountHeadsForJob(
  deps: CountJobDeps,
  job: { id: string },
  detector: { id: string; mode: DetectorMode; modeConfiguration?: Record<string, unknown> | null },
): Promise<DensityJobResult | null> {
  if (densityClassOf(detector.mode, detector.modeConfiguration)) {
    const r = await trainDensityForJob(deps, job, detector);
    // Too few boxed images: the linear count classifier trains on the counts, as before the density head.
    return r.skipped ? null : r;
  }
  if (cocoCountClassOf(detector.mode, detector.modeConfiguration))
    return calibrateCocoCountForJob(deps, job, detector);
  return null;
}
