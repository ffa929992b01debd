/**
 * TEXT mode: PP-OCRv4 detection (DB) finds text boxes, the CTC recogniser reads each, lines are joined in
 * reading order. Preprocessing follows PaddleOCR's inference defaults: BGR channel order; detection input scaled
 * so the long side is ≤ 960 and each side a multiple of 32, normalised with ImageNet mean/std; recognition crops
 * resized to height 48 (width by aspect, at least 320 with zero padding), normalised to [−1, 1].
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { DEFAULT_MAX_INPUT_PIXELS } from '../preprocess/pipeline-config';
import { assertSupportedImage } from '../preprocess/image.preprocess';
import { VisionInputError } from '../preprocess/vision-input.error';
import { ctcGreedyDecode } from './ctc-decode';
import type { TextBox } from './db-postprocess';
import { dbBoxes, readingOrder } from './db-postprocess';
import { readOcrModels } from './ocr-models';

export interface TextLine {
  text: string;
  /** Product of the line's character probabilities. */
  confidence: number;
  /** In image pixels. */
  box: TextBox;
}

export interface TextAnswer {
  text: string;
  truncated: boolean;
  /**
   * Product of every kept character's probability: the chance the whole string is read right if steps err
   * independently. 0 when no text was found (nothing vouches for "no text"; a person should look).
   */
  confidence: number;
  lines: TextLine[];
}

export interface TextReaderOptions {
  intraOpNumThreads?: number;
}

const DET_MAX_SIDE = 960;
const REC_HEIGHT = 48;
const REC_MIN_WIDTH = 320;
/** Longer crops are squeezed to this width (about 110 characters at the recogniser's 8 px per step). */
const REC_MAX_WIDTH = 1600;
const DET_MEAN = [0.485, 0.456, 0.406];
const DET_STD = [0.229, 0.224, 0.225];

interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

export class TextReader {
  private constructor(
    private readonly detector: ort.InferenceSession,
    private readonly recogniser: ort.InferenceSession,
    private readonly dictionary: string[],
  ) {}

  static async load(opts: TextReaderOptions = {}): Promise<TextReader> {
    const files = await readOcrModels();
    const o: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
    if (opts.intraOpNumThreads) o.intraOpNumThreads = opts.intraOpNumThreads;
    const [det, rec] = await Promise.all([
      ort.InferenceSession.create(files.detection, o),
      ort.InferenceSession.create(files.recognition, o),
    ]);
    return new TextReader(det, rec, files.dictionary);
  }

  /** Reads the text of an image; `maxLength` cuts it (Groundlight `value_max_length`). Throws VisionInputError. */
  async readText(image: Uint8Array, opts: { maxLength?: number } = {}): Promise<TextAnswer> {
    const rgb = await decodeRgb(image);
    const boxes = await this.detect(rgb);
    const lines: TextLine[] = [];
    for (const box of readingOrder(boxes)) {
      const { text, charProbabilities } = await this.recognise(rgb, box);
      const trimmed = text.trim();
      if (trimmed) lines.push({ text: trimmed, confidence: product(charProbabilities), box });
    }
    const full = lines.map((l) => l.text).join(' ');
    const maxLength = opts.maxLength ?? Infinity;
    return {
      text: full.slice(0, maxLength),
      truncated: full.length > maxLength,
      confidence: lines.length === 0 ? 0 : product(lines.map((l) => l.confidence)),
      lines,
    };
  }

  /** Text boxes in image pixels. */
  async detect(rgb: RgbImage): Promise<TextBox[]> {
    const scale = Math.min(1, DET_MAX_SIDE / Math.max(rgb.width, rgb.height));
    const w = Math.max(32, Math.round((rgb.width * scale) / 32) * 32);
    const h = Math.max(32, Math.round((rgb.height * scale) / 32) * 32);
    const resized = await resizeRaw(rgb, w, h);
    const plane = w * h;
    const x = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++)
      for (let c = 0; c < 3; c++) {
        // BGR: output channel c is input channel 2 − c.
        x[c * plane + i] = (resized[i * 3 + (2 - c)]! / 255 - DET_MEAN[c]!) / DET_STD[c]!;
      }
    const out = await this.detector.run({ x: new ort.Tensor('float32', x, [1, 3, h, w]) });
    const prob = Object.values(out)[0]!.data as Float32Array;
    const sx = rgb.width / w;
    const sy = rgb.height / h;
    return dbBoxes(prob, w, h).map((b) => ({
      left: b.left * sx,
      top: b.top * sy,
      right: b.right * sx,
      bottom: b.bottom * sy,
      score: b.score,
    }));
  }

  private async recognise(
    rgb: RgbImage,
    box: TextBox,
  ): Promise<{ text: string; charProbabilities: number[] }> {
    const left = Math.max(0, Math.floor(box.left));
    const top = Math.max(0, Math.floor(box.top));
    const cw = Math.min(rgb.width, Math.ceil(box.right)) - left;
    const ch = Math.min(rgb.height, Math.ceil(box.bottom)) - top;
    if (cw < 2 || ch < 2) return { text: '', charProbabilities: [] };
    const width = Math.min(REC_MAX_WIDTH, Math.max(1, Math.ceil((REC_HEIGHT * cw) / ch)));
    const padded = Math.max(REC_MIN_WIDTH, width);
    const crop = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
      .extract({ left, top, width: cw, height: ch })
      .resize(width, REC_HEIGHT, { fit: 'fill' })
      .raw()
      .toBuffer();
    const plane = REC_HEIGHT * padded;
    const x = new Float32Array(3 * plane); // zero padding on the right, as PaddleOCR pads
    for (let y = 0; y < REC_HEIGHT; y++)
      for (let xx = 0; xx < width; xx++)
        for (let c = 0; c < 3; c++)
          x[c * plane + y * padded + xx] = crop[(y * width + xx) * 3 + (2 - c)]! / 127.5 - 1;
    const out = await this.recogniser.run({ x: new ort.Tensor('float32', x, [1, 3, REC_HEIGHT, padded]) });
    const t = Object.values(out)[0]!;
    const [, steps, classes] = t.dims as [number, number, number];
    return ctcGreedyDecode(t.data as Float32Array, steps, classes, this.dictionary);
  }

  async release(): Promise<void> {
    await Promise.all([this.detector.release(), this.recogniser.release()]);
  }
}

const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

async function decodeRgb(image: Uint8Array): Promise<RgbImage> {
  assertSupportedImage(image);
  try {
    const { data, info } = await sharp(image, {
      limitInputPixels: DEFAULT_MAX_INPUT_PIXELS,
      autoOrient: true,
    })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/pixel limit/i.test(msg))
      throw new VisionInputError(
        'IMAGE_TOO_LARGE',
        `The image has more than ${DEFAULT_MAX_INPUT_PIXELS} pixels: downscale it.`,
      );
    throw new VisionInputError('CORRUPT_IMAGE', `The image could not be decoded (${msg.split('\n')[0]}).`);
  }
}

function resizeRaw(rgb: RgbImage, width: number, height: number): Promise<Buffer> {
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
}
