/**
 * The built-in models, loaded once on first use (or at start when preloaded) and shared by every request:
 * the COCO object detector and the PP-OCRv4 reader from libs/vision. A failed load is not cached, so the next
 * request retries it; until then requests that need it answer 503 NOT_READY.
 */
import type { ModelVersionRef } from '@intellioptics/schema';
import { IntelliOpticsError } from '@intellioptics/schema';
import { ObjectDetector, TextReader, cocoDetectorRef } from '@intellioptics/vision';
import type { Logger } from 'pino';

export class BuiltinModels {
  private detector: Promise<ObjectDetector> | null = null;
  private reader: Promise<TextReader> | null = null;

  constructor(
    private readonly opts: { cacheDir?: string | undefined; intraOpNumThreads?: number | undefined },
    private readonly log: Logger,
  ) {}

  objectDetector(): Promise<ObjectDetector> {
    this.detector ??= this.load('coco detector', () =>
      ObjectDetector.load({
        ...(this.opts.cacheDir ? { cacheDir: this.opts.cacheDir } : {}),
        ...(this.opts.intraOpNumThreads ? { intraOpNumThreads: this.opts.intraOpNumThreads } : {}),
      }),
    ).catch((err: unknown) => {
      this.detector = null;
      throw err;
    });
    return this.detector;
  }

  textReader(): Promise<TextReader> {
    this.reader ??= this.load('ocr', () =>
      TextReader.load(this.opts.intraOpNumThreads ? { intraOpNumThreads: this.opts.intraOpNumThreads } : {}),
    ).catch((err: unknown) => {
      this.reader = null;
      throw err;
    });
    return this.reader;
  }

  /** The detector's identity in answers: its pinned ONNX sha256. */
  static detectorRef(d: ObjectDetector): ModelVersionRef {
    return cocoDetectorRef(d);
  }

  loaded(): { coco_detector: boolean; ocr: boolean } {
    return { coco_detector: this.detector !== null, ocr: this.reader !== null };
  }

  async release(): Promise<void> {
    const [d, r] = [this.detector, this.reader];
    this.detector = this.reader = null;
    await Promise.all([
      d?.then((x) => x.release()).catch(() => undefined),
      r?.then((x) => x.release()).catch(() => undefined),
    ]);
  }

  private async load<T>(name: string, make: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      const model = await make();
      this.log.info({ model: name, ms: Math.round(performance.now() - t0) }, 'built-in model loaded');
      return model;
    } catch (err) {
      this.log.error({ model: name, err: (err as Error).message }, 'built-in model failed to load');
      throw new IntelliOpticsError(
        'NOT_READY',
        `The built-in ${name} could not be loaded: ${(err as Error).message}`,
      );
    }
  }
}
