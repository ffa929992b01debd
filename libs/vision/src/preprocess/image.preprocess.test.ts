import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/fixtures.helper';
import {
  DEFAULT_PIPELINE_CONFIG,
  parsePipelineConfig,
  pipelineConfigFromYaml,
  pipelineConfigToYaml,
} from './pipeline-config';
import { preprocessImage } from './image.preprocess';
import { sniffImageFormat } from './image-format';
import { VisionInputError } from './vision-input.error';

async function expectInputError(p: Promise<unknown>, code: string): Promise<VisionInputError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VisionInputError);
  expect((err as VisionInputError).code).toBe(code);
  expect((err as VisionInputError).message.length).toBeGreaterThan(20);
  return err as VisionInputError;
}

describe('preprocessImage', () => {
  it('decodes JPEG, PNG and WebP (detected from bytes) into NCHW floats in [0,1]', async () => {
    for (const [file, format] of [
      ['textures/brick/00.jpg', 'jpeg'],
      ['textures/brick/03.png', 'png'],
      ['textures/brick/02.webp', 'webp'],
      ['photos/coffee.png', 'png'],
    ] as const) {
      const out = await preprocessImage(await fixture(file));
      expect(out.format).toBe(format);
      expect(out.tensor.length).toBe(3 * 224 * 224);
      let min = Infinity;
      let max = -Infinity;
      for (const v of out.tensor) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThanOrEqual(1);
      expect(max - min).toBeGreaterThan(0.2);
    }
  });

  it('turns grey images into three equal channels', async () => {
    const { tensor } = await preprocessImage(await fixture('ood/digits-0.png'));
    const plane = 224 * 224;
    for (let i = 0; i < plane; i += 997) {
      expect(tensor[i]).toBe(tensor[plane + i]);
      expect(tensor[i]).toBe(tensor[2 * plane + i]);
    }
  });

  it('auto-orients from EXIF', async () => {
    const src = await fixture('photos/chelsea.jpg');
    // Pixels stored rotated, with EXIF orientation 6 (rotate 90° CW to display) → same as upright.
    const stored = await sharp(src).rotate(-90).withMetadata({ orientation: 6 }).png().toBuffer();
    const upright = await preprocessImage(src);
    const oriented = await preprocessImage(stored);
    const naive = await preprocessImage(stored, parsePipelineConfig({ image: { auto_orient: false } }));
    const meanAbs = (a: Float32Array, b: Float32Array): number =>
      a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    expect(meanAbs(upright.tensor, oriented.tensor)).toBeLessThan(0.02);
    expect(meanAbs(upright.tensor, naive.tensor)).toBeGreaterThan(0.05);
  });

  it('honours channel order and scaling from the pipeline config', async () => {
    const img = await sharp({
      create: { width: 8, height: 8, channels: 3, background: { r: 255, g: 0, b: 51 } },
    })
      .png()
      .toBuffer();
    const rgb = await preprocessImage(img);
    const plane = 224 * 224;
    expect(rgb.tensor[0]).toBeCloseTo(1, 5);
    expect(rgb.tensor[plane]).toBeCloseTo(0, 5);
    expect(rgb.tensor[2 * plane]).toBeCloseTo(0.2, 5);
    const bgr = await preprocessImage(
      img,
      parsePipelineConfig({ image: { channel_order: 'BGR', scaling: 'signed' } }),
    );
    expect(bgr.tensor[0]).toBeCloseTo(-0.6, 5);
    expect(bgr.tensor[2 * plane]).toBeCloseTo(1, 5);
  });

  it('refuses what is not a supported, complete image, with a typed error', async () => {
    await expectInputError(preprocessImage(new Uint8Array(0)), 'EMPTY_IMAGE');
    await expectInputError(preprocessImage(Buffer.from('{"image": "aGVsbG8="}')), 'NOT_AN_IMAGE');
    const gif = await sharp(await fixture('ood/digits-0.png'))
      .gif()
      .toBuffer();
    const e = await expectInputError(preprocessImage(gif), 'UNSUPPORTED_IMAGE_FORMAT');
    expect(e.message).toMatch(/JPEG, PNG or WebP/);
    const jpg = await fixture('photos/chelsea.jpg');
    await expectInputError(preprocessImage(jpg.subarray(0, jpg.length / 2)), 'CORRUPT_IMAGE');
    const png = await fixture('photos/coffee.png');
    await expectInputError(preprocessImage(png.subarray(0, png.length / 3)), 'CORRUPT_IMAGE');
    const garbled = Buffer.from(jpg);
    garbled.fill(7, 600, 4000);
    await expectInputError(preprocessImage(garbled), 'CORRUPT_IMAGE');
  });

  it('refuses images above the pixel limit', async () => {
    const small = parsePipelineConfig({ limits: { max_input_pixels: 100_000 } });
    const err = await expectInputError(
      preprocessImage(await fixture('photos/chelsea.jpg'), small),
      'IMAGE_TOO_LARGE',
    );
    expect(err.message).toMatch(/downscale/);
    await expect(preprocessImage(await fixture('textures/grass/00.jpg'), small)).resolves.toBeDefined();
  });
});

describe('pipeline config', () => {
  it('round-trips through YAML and rejects bad values', () => {
    expect(pipelineConfigFromYaml(pipelineConfigToYaml(DEFAULT_PIPELINE_CONFIG))).toEqual(
      DEFAULT_PIPELINE_CONFIG,
    );
    expect(() => parsePipelineConfig({ image: { resize_mode: 'stretch' } })).toThrow(/resize_mode/);
    expect(() => parsePipelineConfig({ image: { width: -3 } })).toThrow(/width/);
  });
});

describe('sniffImageFormat', () => {
  it('recognises formats by magic number only', () => {
    expect(sniffImageFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImageFormat(Buffer.from('GIF89a....'))).toBe('gif');
    expect(sniffImageFormat(Buffer.from('\0\0\0\x18ftypheic'))).toBe('heif');
    expect(sniffImageFormat(Buffer.from('hello world'))).toBeNull();
  });
});
