/**
 * Cloud-side answers from the detector's published models: the same backbone, heads and OODD adjustment as
 * the edge (libs/vision + libs/decision), so a cloud answer means what an edge answer means. Heads are cached
 * by model version id (a publish or rollback changes the id, so the next query loads the new one). A version
 * whose package cannot be read or loaded answers "no model" (the query goes to review) and is logged once.
 */
import { adjustConfidenceWithOodd, buildEdgeResult } from '@intellioptics/decision';
import { IntelliOpticsError } from '@intellioptics/schema';
import type { Head, VisionEngine } from '@intellioptics/vision';
import type { BlobStore } from '../../blob/blob-store';
import type { Logger } from '../../ops/logger';
import { getPackage } from '../learning/model-package.blobs';
import type { ModelVersionEntity } from '../model-versions/model-version.entity';
import type { ModelVersionService } from '../model-versions/model-version.service';
import type { CloudPrediction, CloudPredictor } from './cloud-predictor';

const MAX_CACHED_HEADS = 32;

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

export class VisionCloudPredictor implements CloudPredictor {
  private readonly heads = new Map<string, Promise<Head | null>>();

  constructor(
    private readonly deps: {
      models: Pick<ModelVersionService, 'published'>;
      blobs: BlobStore;
      engine: () => Promise<VisionEngine>;
      logger: Logger;
    },
  ) {}

  async predict(input: Parameters<CloudPredictor['predict']>[0]): Promise<CloudPrediction> {
    const { detector } = input;
    if (detector.mode === 'TEXT') return { kind: 'no_model' };
    const { primary, oodd } = await this.deps.models.published(detector.id);
    if (!primary) return { kind: 'no_model' };
    const [primaryHead, ooddHead] = await Promise.all([this.head(primary), oodd ? this.head(oodd) : null]);
    if (!primaryHead) return { kind: 'no_model' };

    const engine = await this.deps.engine();
    const { features } = await engine.embed([input.image]).catch(asClientImageError);
    const [p] = await primaryHead.run(features);
    const [o] = ooddHead ? await ooddHead.run(features) : [undefined];
    if (p?.kind !== 'primary') return { kind: 'no_model' };
    const probabilities = p.probabilities;
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
    return {
      kind: 'prediction',
      result: { ...mapped.value, confidence: mapped.value.confidence ?? adjusted },
      modelVersionId: primary.id,
    };
  }

  private head(mv: ModelVersionEntity): Promise<Head | null> {
    let head = this.heads.get(mv.id);
    if (!head) {
      head = this.load(mv);
      this.heads.set(mv.id, head);
      // Oldest first: drop (and release) the least recently loaded versions beyond the cap.
      for (const [id, old] of this.heads) {
        if (this.heads.size <= MAX_CACHED_HEADS) break;
        this.heads.delete(id);
        void old.then((h) => h?.release());
      }
    }
    return head;
  }

  private async load(mv: ModelVersionEntity): Promise<Head | null> {
    try {
      const pkg = await getPackage(this.deps.blobs, mv.blobKey);
      return await (await this.deps.engine()).loadHead(pkg);
    } catch (e) {
      this.deps.logger.warn(
        { modelVersionId: mv.id, err: e instanceof Error ? e.message : String(e) },
        'cannot load a published model version cloud-side; its queries go to review',
      );
      return null;
    }
  }
}
