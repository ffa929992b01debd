/**
 * ObjectDetector: the COCO CenterNet in one onnxruntime session, for COUNT and BOUNDING_BOX detectors whose
 * `class_name` is a COCO class (coco-classes.ts). One run per image answers any number of classes.
 */
import * as ort from 'onnxruntime-node';
import { defaultCacheDir } from '../backbone/backbone.cache';
import { preprocessImage } from '../preprocess/image.preprocess';
import type { CocoClass } from './coco-classes';
import { COCO_CLASSES, resolveCocoClasses } from './coco-classes';
import type { BoxAnswer, CountAnswer } from './detection.answers';
import { boxAnswer, countAnswer } from './detection.answers';
import { shippedCountCalibration } from './count-calibration';
import type { Detection, HeadGrid } from './detection.decode';
import { decodePeaks, nonMaxSuppression } from './detection.decode';
import {
  BOX_OUTPUT,
  CENTERNET_CLASSES,
  CENTERNET_INPUT_SIZE,
  CENTERNET_STRIDE,
  DETECTOR_INPUT,
  DETECTOR_PIPELINE,
  HEATMAP_OUTPUT,
  loadCenternetModel,
} from './centernet.model';

export interface ObjectDetectorOptions {
  cacheDir?: string;
  intraOpNumThreads?: number;
}

export interface DetectOptions {
  /** COCO classes, or a detector's class_name ("people", "vehicles"); all 80 when omitted. */
  classes?: readonly CocoClass[] | string;
  /** Detections below this score are not returned (default DEFAULT_MIN_SCORE). */
  minScore?: number;
  /** Boxes overlapping a better one by more than this IoU are suppressed (default 0.5). */
  iouThreshold?: number;
}

export interface AnswerOptions {
  /** The detector's `mode_configuration.class_name`. */
  className: string;
  /** Score at or above which a detection counts (default DEFAULT_MIN_SCORE). */
  minScore?: number;
}

/**
 * People in the test photos score 0.52–0.71 (two half-hidden ones 0.27–0.36); false "person" peaks (a rock, a
 * post) reach 0.38. At 0.4: precision 1.00, recall 0.89 on 19 people; at 0.3: 0.71 / 0.89 (README "Detector").
 * Dogs and horses score lower (0.26–0.67): such detectors may want a lower `minScore`.
 */
export const DEFAULT_MIN_SCORE = 0.4;
/** Candidates this weak are ignored entirely, also when computing "max dropped score". */
export const CANDIDATE_FLOOR = 0.05;
const TOP_K = 100;

export class ObjectDetector {
  private constructor(
    private readonly session: ort.InferenceSession,
    /** sha256 of the converted ONNX model. */
    readonly sha256: string,
  ) {}

  static async load(opts: ObjectDetectorOptions = {}): Promise<ObjectDetector> {
    const model = await loadCenternetModel(opts.cacheDir ?? defaultCacheDir());
    const sessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
    if (opts.intraOpNumThreads) sessionOptions.intraOpNumThreads = opts.intraOpNumThreads;
    return new ObjectDetector(await ort.InferenceSession.create(model.bytes, sessionOptions), model.sha256);
  }

  /** The preprocessed input for an image (512×512 NCHW in [0,1]); throws VisionInputError. */
  async preprocess(image: Uint8Array): Promise<Float32Array> {
    return (await preprocessImage(image, DETECTOR_PIPELINE)).tensor;
  }

  /** The raw head outputs for one preprocessed image. */
  async runHeads(tensor: Float32Array): Promise<HeadGrid> {
    const s = CENTERNET_INPUT_SIZE;
    const out = await this.session.run({ [DETECTOR_INPUT]: new ort.Tensor('float32', tensor, [1, 3, s, s]) });
    return {
      heatmap: out[HEATMAP_OUTPUT]!.data as Float32Array,
      extents: out[BOX_OUTPUT]!.data as Float32Array,
      cells: s / CENTERNET_STRIDE,
      classes: CENTERNET_CLASSES,
      stride: CENTERNET_STRIDE,
      inputSize: s,
    };
  }

  /** Detections best first, after suppression across the asked classes. */
  async detect(image: Uint8Array, opts: DetectOptions = {}): Promise<Detection[]> {
    const [detections] = await this.detectMany(image, [opts]);
    return detections!;
  }

  /**
   * Several class sets asked of one image with ONE network pass (the compound parts and the detectors of one
   * request): for each request, what `detect` would return for it alone.
   */
  async detectMany(image: Uint8Array, requests: readonly DetectOptions[]): Promise<Detection[][]> {
    const grid = await this.runHeads(await this.preprocess(image));
    return requests.map((opts) => {
      const minScore = opts.minScore ?? DEFAULT_MIN_SCORE;
      return suppressed(grid, classIndices(opts.classes), opts.iouThreshold).filter(
        (d) => d.score >= minScore,
      );
    });
  }

  async answerBoxes(image: Uint8Array, opts: AnswerOptions & { maxNumBboxes?: number }): Promise<BoxAnswer> {
    const classes = resolveCocoClasses(opts.className);
    if (classes.length === 0)
      return { label: 'NO_OBJECTS', rois: [], confidence: 0, reason: unknownClassReason(opts.className) };
    const candidates = await this.candidates(image, classIndices(classes));
    return boxAnswer(candidates, opts.minScore ?? DEFAULT_MIN_SCORE, opts.maxNumBboxes ?? 10);
  }

  async countObjects(image: Uint8Array, opts: AnswerOptions & { maxCount?: number }): Promise<CountAnswer> {
    const classes = resolveCocoClasses(opts.className);
    if (classes.length === 0)
      return {
        count: 0,
        greaterThanMax: false,
        confidence: 0,
        rawConfidence: 0,
        rois: [],
        reason: unknownClassReason(opts.className),
      };
    const candidates = await this.candidates(image, classIndices(classes));
    // The shipped calibration was fitted at DEFAULT_MIN_SCORE: at another threshold the raw confidence stands.
    const minScore = opts.minScore ?? DEFAULT_MIN_SCORE;
    const calibration = minScore === DEFAULT_MIN_SCORE ? shippedCountCalibration() : null;
    return countAnswer(candidates, minScore, opts.maxCount ?? 10, calibration);
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  /** Every peak above the floor for the classes, suppressed: the kept ones and the doubtful ones below. */
  private async candidates(
    image: Uint8Array,
    indices: readonly number[] | undefined,
    iouThreshold = 0.5,
  ): Promise<Detection[]> {
    return suppressed(await this.runHeads(await this.preprocess(image)), indices, iouThreshold);
  }
}

/** The peaks of `grid` above the candidate floor for the classes, after non-maximum suppression. */
function suppressed(grid: HeadGrid, indices: readonly number[] | undefined, iouThreshold = 0.5): Detection[] {
  const peaks = decodePeaks(grid, {
    floor: CANDIDATE_FLOOR,
    topK: TOP_K,
    ...(indices ? { classIndices: indices } : {}),
  });
  return nonMaxSuppression(peaks, iouThreshold);
}

function classIndices(classes: readonly CocoClass[] | string | undefined): number[] | undefined {
  if (classes === undefined) return undefined;
  const list = typeof classes === 'string' ? resolveCocoClasses(classes) : classes;
  return list.map((c) => COCO_CLASSES.indexOf(c));
}

const unknownClassReason = (className: string): string =>
  `class_name "${className}" is not one of the 80 COCO classes the edge detector knows: people must draw boxes first`;
