/**
 * Cloud-side answers from the detector's published models: the same backbone, heads and OODD adjustment as
 * the edge (libs/vision + libs/decision), so a cloud answer means what an edge answer means. Heads are cached
 * by model version id (a publish or rollback changes the id, so the next query loads the new one). A version
 * whose package cannot be read or loaded answers "no model" (the query goes to review) and is logged once.
 *
 * Without a published model, COUNT and BOUNDING_BOX of a COCO class and TEXT are answered by the built-in
 * models as at the edge (libs/vision builtinPlan / cocoAnswer / ocrAnswer, mapped by groundlightAnswer), so
 * cloud-answered queries carry the same count, boxes (`rois`) and text. A class outside COCO is "no model".
 *
 * A primary on the backbone's spatial map (the recursive reasoning head, #15) runs on the map of the same
 * backbone pass and is read by libs/vision's readMapHead, the inference service's reader, so its answer and
 * per-step explanation are the edge's. An OODD head always takes the pooled vector.
 */
import { adjustConfidenceWithOodd, buildEdgeResult } from '@intellioptics/decision';
import { IntelliOpticsError, groundlightAnswer } from '@intellioptics/schema';
import type {
  CountCalibration,
  FeatureMapHead,
  Head,
  MapHeadReading,
  ModelExplainer,
  ModelPackage,
  ObjectDetector,
  TextReader,
  VisionEngine,
} from '@intellioptics/vision';
import type { DetectorEntity } from '../detectors/detector.entity';
import type { BlobStore } from '../../blob/blob-store';
import type { Logger } from '../../ops/logger';
import { getPackage } from '../learning/model-package.blobs';
import type { ModelVersionEntity } from '../model-versions/model-version.entity';
import type { ModelVersionService } from '../model-versions/model-version.service';
import type { CloudPrediction, CloudPredictor } from './cloud-predictor';

const MAX_CACHED_HEADS = 32;

/** A loaded head; a primary one with its explainer (evidence map, nearest examples), as at the edge. */
interface LoadedHead {
  head: Head | FeatureMapHead;
  explainer: ModelExplainer | null;
}

/**
 * An image that passed the structural check but does not decode is the client's fault: 400 with vision's
 * message (CORRUPT_IMAGE…), before anything is stored, so an edge sets it aside instead of retrying a 500.
 */
async function asClientImageError(err: unknown): Promise<never> {
  // Loaded already: the engine that threw comes from the same module.
  const { VisionInputError } = await import('@intellioptics/vision');
  if (err instanceof VisionInputError) {
    throw new IntelliOpticsError(err.code === 'EMPTY_IMAGE' ? 'EMPTY_BODY' : err.code, err.message);
  }
  throw err;
}

/** The built-in models, loaded on first use and shared; a failed load is retried by the next query. */
export interface BuiltinVisionModels {
  objectDetector(): Promise<ObjectDetector>;
  textReader(): Promise<TextReader>;
}

function lazyBuiltins(): BuiltinVisionModels {
  let detector: Promise<ObjectDetector> | null = null;
  let reader: Promise<TextReader> | null = null;
  const vision = () => import('@intellioptics/vision');
  return {
    objectDetector: () =>
      (detector ??= vision()
        .then((v) => v.ObjectDetector.load())
        .catch((e: unknown) => {
          detector = null;
          throw e;
        })),
    textReader: () =>
      (reader ??= vision()
        .then((v) => v.TextReader.load())
        .catch((e: unknown) => {
          reader = null;
          throw e;
        })),
  };
}

export class VisionCloudPredictor implements CloudPredictor {
  private readonly heads = new Map<string, Promise<LoadedHead | null>>();
  private readonly builtins: BuiltinVisionModels;

  constructor(
    private readonly deps: {
      models: Pick<ModelVersionService, 'published'>;
      blobs: BlobStore;
      engine: () => Promise<VisionEngine>;
      logger: Logger;
      builtins?: BuiltinVisionModels;
    },
  ) {
    this.builtins = deps.builtins ?? lazyBuiltins();
  }

  async predict(input: Parameters<CloudPredictor['predict']>[0]): Promise<CloudPrediction> {
    const { detector } = input;
    const { primary, oodd } =
      detector.mode === 'TEXT'
        ? { primary: null, oodd: null }
        : await this.deps.models.published(detector.id);
    if (!primary) return this.builtin(detector, input.image);
    const [primaryHead, ooddHead] = await Promise.all([this.head(primary), oodd ? this.head(oodd) : null]);
    if (!primaryHead) return { kind: 'no_model' };
    // A calibration package (the detector's own count calibration): the COCO detector answers, calibrated by it.
    const own = (await import('@intellioptics/vision')).countCalibrationOf(primaryHead.head.metadata);
    if (own) return this.builtin(detector, input.image, own);

    const engine = await this.deps.engine();
    const v = await import('@intellioptics/vision');
    const tensor = await engine.preprocess(input.image).catch(asClientImageError);
    // The pooled vector and the map it pools, from one backbone run (the map is the evidence map's input).
    const [[spatial], baseline] = await Promise.all([
      engine.embedSpatialTensors([tensor]),
      v.blankBaseline(engine),
    ]);
    const features = [spatial!.pooled];
    const reading = await this.primaryReading(primaryHead.head, spatial!);
    const [o] = ooddHead && 'run' in ooddHead.head ? await ooddHead.head.run(features) : [undefined];
    if (!reading) return { kind: 'no_model' };
    const probabilities = reading.probabilities;
    const index = probabilities.indexOf(Math.max(...probabilities));
    const raw = probabilities[index]!;
    const adjusted =
      adjustConfidenceWithOodd({
        primaryConfidence: raw,
        outlierProbability: o?.kind === 'oodd' ? 1 - o.inDomainProbability : null,
        mode: detector.mode,
        numClasses: probabilities.length,
      }) ?? raw;
    const mapped = buildEdgeResult({
      mode: detector.mode,
      index,
      confidence: Math.min(1, Math.max(0, adjusted)),
      modeConfiguration: detector.modeConfiguration ?? null,
    });
    if (!mapped.ok) {
      this.deps.logger.warn(
        { detectorId: detector.id, err: mapped.error.message },
        'cloud model output unusable',
      );
      return { kind: 'no_model' };
    }
    const calibration = ooddHead?.head.metadata.calibration;
    const explanation = primaryHead.explainer?.explain({
      probabilities,
      pooled: spatial!.pooled,
      map: spatial!.map,
      mapSize: engine.backbone.featureMapSize,
      baseline,
      oodd:
        o?.kind === 'oodd'
          ? {
              inDomainProbability: o.inDomainProbability,
              distance: o.distance,
              tau: calibration?.method === 'sigmoid_distance' ? calibration.tau : null,
            }
          : null,
    });
    if (explanation) v.addMapHeadReading(explanation, reading);
    return {
      kind: 'prediction',
      result: { ...mapped.value, confidence: mapped.value.confidence ?? adjusted },
      rois: null,
      text: null,
      modelVersionId: primary.id,
      rawConfidence: raw,
      ...(explanation ? { explanation } : {}),
    };
  }

  /** The primary's probabilities (and a map head's reasoning steps); null when it returns none. */
  private async primaryReading(
    head: Head | FeatureMapHead,
    spatial: { pooled: Float32Array; map: Float32Array },
  ): Promise<MapHeadReading | null> {
    const v = await import('@intellioptics/vision');
    if (head instanceof v.FeatureMapHead) return v.readMapHead(head, spatial.map);
    const [p] = await head.run([spatial.pooled]);
    return p?.kind === 'primary' ? { probabilities: p.probabilities, steps: [], evidence: null } : null;
  }

  /** The built-in models' answer for a detector without a published model (the edge's implementation). */
  private async builtin(
    detector: DetectorEntity,
    image: Buffer,
    countCalibration?: CountCalibration,
  ): Promise<CloudPrediction> {
    const v = await import('@intellioptics/vision');
    const plan = v.builtinPlan({
      mode: detector.mode,
      mode_configuration: detector.modeConfiguration ?? null,
    });
    if (!plan || plan.kind === 'unanswered') return { kind: 'no_model' };
    let answer;
    try {
      if (plan.kind === 'coco') {
        const d = await this.builtins.objectDetector();
        const found = await d.detect(image, { classes: plan.classes, minScore: v.CANDIDATE_FLOOR });
        const calibrated = countCalibration && plan.mode === 'COUNT' ? { ...plan, countCalibration } : plan;
        answer = v.cocoAnswer(detector.id, calibrated, found, v.cocoDetectorRef(d));
      } else {
        const text = await (
          await this.builtins.textReader()
        ).readText(image, plan.maxLength === undefined ? {} : { maxLength: plan.maxLength });
        answer = v.ocrAnswer(detector.id, text, v.OCR_MODEL);
      }
    } catch (e) {
      if (e instanceof v.VisionInputError) return asClientImageError(e);
      // A built-in model that cannot load or run: the query goes to review, as without a model.
      this.deps.logger.warn(
        { detectorId: detector.id, err: e instanceof Error ? e.message : String(e) },
        'built-in model unavailable cloud-side; the query goes to review',
      );
      return { kind: 'no_model' };
    }
    const mapped = groundlightAnswer(answer, {
      confidence: answer.confidence,
      source: 'ALGORITHM',
      fromEdge: false,
      modeConfiguration: detector.modeConfiguration ?? null,
    });
    if (!mapped.ok) {
      this.deps.logger.warn(
        { detectorId: detector.id, err: mapped.error.message },
        'built-in answer unusable',
      );
      return { kind: 'no_model' };
    }
    const { result, rois, text } = mapped.value;
    return {
      kind: 'prediction',
      result: { ...result, confidence: answer.confidence },
      rois,
      text,
      modelVersionId: null,
      rawConfidence: answer.confidence,
      explanation: v.builtinExplanation(answer),
    };
  }

  private head(mv: ModelVersionEntity): Promise<LoadedHead | null> {
    let head = this.heads.get(mv.id);
    if (!head) {
      head = this.load(mv);
      this.heads.set(mv.id, head);
      // Oldest first: drop (and release) the least recently loaded versions beyond the cap.
      for (const [id, old] of this.heads) {
        if (this.heads.size <= MAX_CACHED_HEADS) break;
        this.heads.delete(id);
        void old.then((h) => h?.head.release());
      }
    }
    return head;
  }

  /** An explainer the package cannot support answers without its parts: never without the answer. */
  private async explainer(mv: ModelVersionEntity, pkg: ModelPackage): Promise<ModelExplainer | null> {
    try {
      const { ModelExplainer } = await import('@intellioptics/vision');
      return ModelExplainer.fromPackage(pkg);
    } catch (e) {
      this.deps.logger.warn(
        { modelVersionId: mv.id, err: e instanceof Error ? e.message : String(e) },
        'cannot explain a published model version; its answers carry no evidence map',
      );
      return null;
    }
  }

  private async load(mv: ModelVersionEntity): Promise<LoadedHead | null> {
    try {
      const pkg = await getPackage(this.deps.blobs, mv.blobKey);
      const engine = await this.deps.engine();
      const v = await import('@intellioptics/vision');
      const onMap = pkg.metadata.input.source === 'backbone_feature_map';
      if (onMap && mv.kind !== 'primary') throw new Error('an OODD head takes the pooled features');
      // A map head readMapHead cannot read answers "no model".
      if (onMap && !v.canReadMapHead(pkg.metadata))
        throw new Error(`no cloud reader for feature-map head ${String(pkg.metadata.training.algorithm)}`);
      const head = onMap ? await v.loadFeatureMapHead(engine, pkg) : await engine.loadHead(pkg);
      return { head, explainer: mv.kind === 'primary' ? await this.explainer(mv, pkg) : null };
    } catch (e) {
      this.deps.logger.warn(
        { modelVersionId: mv.id, err: e instanceof Error ? e.message : String(e) },
        'cannot load a published model version cloud-side; its queries go to review',
      );
      return null;
    }
  }
}
