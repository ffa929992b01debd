/**
 * Which model answers a detector: its trained package when one is installed (and of the asked mode), else a
 * built-in model chosen from the detector's spec (builtin/builtin-plan.ts). The spec comes with the request
 * (`mode=COUNT&class_name=person…`) or from `models/<id>/detector.json` (libs/schema model-store.ts).
 *
 * "No package" and the spec file are remembered for `ttlMs` (the model poll interval), so a detector answered
 * by a built-in model costs no disk I/O per request, and a package installed later is served within one poll
 * interval, as version swaps are.
 */
import { readFile } from 'node:fs/promises';
import type { DetectorSpec } from '@intellioptics/schema';
import {
  DetectorSpecSchema,
  detectorSpecPath,
  IntelliOpticsError,
  isIntelliOpticsError,
} from '@intellioptics/schema';
import type { Logger } from 'pino';
import type { BuiltinPlan } from '@intellioptics/vision';
import { builtinPlan, countCalibrationOf } from '@intellioptics/vision';
import type { DetectorModels } from './loaded-model';
import type { ModelManager } from './model-manager';

export type Resolved =
  { kind: 'trained'; entry: DetectorModels } | { kind: 'builtin'; detectorId: string; plan: BuiltinPlan };

export class DetectorResolver {
  private readonly noPackage = new Map<string, number>();
  private readonly specFiles = new Map<string, { spec: DetectorSpec | null; at: number }>();

  constructor(
    private readonly models: ModelManager,
    private readonly modelsDir: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async resolve(detectorId: string, requestSpec: DetectorSpec | null): Promise<Resolved> {
    let notFound: IntelliOpticsError | null = null;
    const missingAt = this.noPackage.get(detectorId);
    if (missingAt === undefined || this.now() - missingAt >= this.ttlMs) {
      try {
        const entry = await this.models.get(detectorId);
        // A package of another mode (the detector was re-created) does not answer a request that says its mode.
        if (!requestSpec || entry.primary.head.metadata.mode === requestSpec.mode) {
          const calibrated = await this.calibratedCocoPlan(entry, requestSpec);
          return calibrated ? { kind: 'builtin', detectorId, plan: calibrated } : { kind: 'trained', entry };
        }
      } catch (err) {
        if (!(isIntelliOpticsError(err) && err.code === 'MODEL_NOT_FOUND')) throw err;
        notFound = err;
        this.noPackage.set(detectorId, this.now());
      }
    }
    const spec = requestSpec ?? (await this.specFile(detectorId));
    const plan = spec ? builtinPlan(spec) : null;
    if (plan) return { kind: 'builtin', detectorId, plan };
    throw new IntelliOpticsError(
      'MODEL_NOT_FOUND',
      spec
        ? `No trained model is installed for ${spec.mode} detector ${detectorId}, and only COUNT, BOUNDING_BOX and TEXT have built-in models.`
        : `${notFound?.message ?? `No loadable model is installed for detector ${detectorId}.`} Or say its mode (mode=COUNT&class_name=…, or models/${detectorId}/detector.json) to be answered by a built-in model.`,
    );
  }

  /**
   * A calibration package (libs/vision count-calibration.package.ts: the detector's own count calibration) is
   * not answered by its head: the COCO detector answers, with that calibration in place of the shipped one.
   */
  private async calibratedCocoPlan(
    entry: DetectorModels,
    requestSpec: DetectorSpec | null,
  ): Promise<BuiltinPlan | null> {
    const meta = entry.primary.head.metadata;
    const countCalibration = countCalibrationOf(meta);
    if (!countCalibration) return null;
    const spec = requestSpec ??
      (await this.specFile(entry.detectorId)) ?? {
        mode: 'COUNT',
        mode_configuration: { class_name: meta.training.class_name, max_count: meta.training.max_count },
      };
    const plan = builtinPlan(spec);
    return plan?.kind === 'coco' && plan.mode === 'COUNT' ? { ...plan, countCalibration } : null;
  }

  private async specFile(detectorId: string): Promise<DetectorSpec | null> {
    const hit = this.specFiles.get(detectorId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.spec;
    const file = detectorSpecPath(this.modelsDir, detectorId);
    let spec: DetectorSpec | null = null;
    try {
      const parsed = DetectorSpecSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (parsed.success) spec = parsed.data;
      else this.log.warn({ detectorId, file, err: parsed.error.issues[0]?.message }, 'detector.json ignored');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log.warn({ detectorId, file, err: (err as Error).message }, 'detector.json ignored');
    }
    this.specFiles.set(detectorId, { spec, at: this.now() });
    return spec;
  }
}
