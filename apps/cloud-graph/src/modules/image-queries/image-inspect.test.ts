import { describe, expect, it } from 'vitest';
/** What the cloud relies on from the shared image inspection (libs/schema), on the images its tests send. */
import { IntelliOpticsError, inspectImage, sniffSupportedImage } from '@intellioptics/schema';
import { tinyJpeg, tinyPng, tinyWebp } from '../../../test/support/images';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof IntelliOpticsError ? e.code : 'OTHER';
  }
  return undefined;
}

describe('inspectImage', () => {
  it('recognises complete JPEG, PNG and WebP from the bytes', () => {
    expect(inspectImage(tinyJpeg()).mime).toBe('image/jpeg');
    expect(inspectImage(tinyPng()).mime).toBe('image/png');
    expect(inspectImage(tinyWebp()).mime).toBe('image/webp');
    expect(sniffSupportedImage(Buffer.from('GIF89a'))).toBeNull();
  });

  it('rejects empty bodies, non-images and truncated images with distinct codes', () => {
    expect(codeOf(() => inspectImage(Buffer.alloc(0)))).toBe('EMPTY_BODY');
    expect(codeOf(() => inspectImage(Buffer.from('{"not":"an image"}')))).toBe('NOT_AN_IMAGE');
    const jpeg = tinyJpeg();
    for (const cut of [4, 20, jpeg.length - 1, jpeg.length - 2]) {
      expect(
        codeOf(() => inspectImage(jpeg.subarray(0, cut))),
        `jpeg cut at ${cut}`,
      ).toBe('CORRUPT_IMAGE');
    }
    const png = tinyPng();
    expect(codeOf(() => inspectImage(png.subarray(0, png.length - 6)))).toBe('CORRUPT_IMAGE');
    const webp = tinyWebp();
    expect(codeOf(() => inspectImage(webp.subarray(0, webp.length - 3)))).toBe('CORRUPT_IMAGE');
  });

  it('accepts a JPEG with zero padding after EOI', () => {
    expect(inspectImage(Buffer.concat([tinyJpeg(), Buffer.alloc(4)])).format).toBe('jpeg');
  });
});
