/**
 * Image bytes → float tensor, driven by a PipelineConfig. sharp (libvips) decodes off the event loop,
 * auto-orients from EXIF, resizes, and hands back interleaved 8-bit pixels; we write NCHW floats in one pass.
 */
import sharp from 'sharp';
import type { OutputInfo } from 'sharp';
import type { PipelineConfig } from './pipeline-config';
import { DEFAULT_PIPELINE_CONFIG } from './pipeline-config';
import type { ImageFormat } from './image-format';
import { isSupportedFormat, sniffImageFormat } from './image-format';
import { VisionInputError } from './vision-input.error';

export interface PreprocessedImage {
  /** NCHW float32 for one image: 3·height·width values. */
  tensor: Float32Array;
  format: ImageFormat;
}

/** Checks the bytes look like an image we can decode; throws VisionInputError otherwise. */
export function assertSupportedImage(bytes: Uint8Array): ImageFormat {
  if (bytes.length === 0) {
    throw new VisionInputError(
      'EMPTY_IMAGE',
      'The request body is empty: send the image bytes (JPEG, PNG or WebP).',
    );
  }
  const format = sniffImageFormat(bytes);
  if (!format) {
    throw new VisionInputError(
      'NOT_AN_IMAGE',
      'The body is not an image (no JPEG, PNG or WebP signature found): send the raw image file bytes, not JSON, base64 or a form.',
    );
  }
  if (!isSupportedFormat(format)) {
    throw new VisionInputError(
      'UNSUPPORTED_IMAGE_FORMAT',
      `${format.toUpperCase()} images are not supported: convert the image to JPEG, PNG or WebP.`,
      { format },
    );
  }
  return format;
}

function mapSharpError(err: unknown, config: PipelineConfig): VisionInputError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) {
    return new VisionInputError(
      'IMAGE_TOO_LARGE',
      `The image has more than ${config.limits.max_input_pixels} pixels: downscale it (for example to 1920×1080) before sending.`,
      { maxPixels: config.limits.max_input_pixels },
    );
  }
  return new VisionInputError(
    'CORRUPT_IMAGE',
    `The image could not be decoded (truncated or corrupt: ${msg.split('\n')[0]}). Re-encode or re-capture it and send the complete file.`,
  );
}

export async function preprocessImage(
  bytes: Uint8Array,
  config: PipelineConfig = DEFAULT_PIPELINE_CONFIG,
  out?: Float32Array,
): Promise<PreprocessedImage> {
  const format = assertSupportedImage(bytes);
  const { width, height, resize_mode, channel_order, scaling, auto_orient } = config.image;
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(bytes, {
      limitInputPixels: config.limits.max_input_pixels,
      autoOrient: auto_orient,
      failOn: 'warning',
    })
      .resize(width, height, { fit: resize_mode, background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw mapSharpError(err, config);
  }
  const { data, info } = raw;
  if (info.channels !== 3 || info.width !== width || info.height !== height) {
    throw new VisionInputError(
      'CORRUPT_IMAGE',
      `Decoded image has an unexpected shape (${info.width}×${info.height}×${info.channels}).`,
    );
  }
  const plane = width * height;
  const tensor = out ?? new Float32Array(3 * plane);
  const [mul, add] = scaling === 'unit' ? [1 / 255, 0] : [1 / 127.5, -1];
  const [r, g, b] = channel_order === 'RGB' ? [0, plane, 2 * plane] : [2 * plane, plane, 0];
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    tensor[r + i] = data[j]! * mul + add;
    tensor[g + i] = data[j + 1]! * mul + add;
    tensor[b + i] = data[j + 2]! * mul + add;
  }
  return { tensor, format };
}
