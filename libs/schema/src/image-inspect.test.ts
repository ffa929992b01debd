import { describe, expect, it } from 'vitest';
import { hugePngHeader, jpeg, png, tinyJpeg, tinyPng, tinyWebp } from '../test/support/images';
import { isIntelliOpticsError } from './errors';
import {
  inspectImage,
  sniffImageFormat,
  sniffSupportedImage,
  type InspectImageOptions,
} from './image-inspect';

function codeOf(body: Uint8Array, options?: InspectImageOptions): string | null {
  try {
    inspectImage(body, options);
    return null;
  } catch (e) {
    return isIntelliOpticsError(e) ? e.code : 'OTHER';
  }
}

describe('sniffImageFormat', () => {
  it.each([
    ['a PNG', png(2, 2), 'png'],
    ['a JPEG', jpeg(4, 4), 'jpeg'],
    ['a WebP', Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 '), 'webp'],
    ['a GIF', Buffer.from('GIF89a....'), 'gif'],
    ['a HEIC', Buffer.from('\0\0\0\x18ftypheic'), 'heif'],
    ['an AVIF', Buffer.from('\0\0\0\x18ftypavif'), 'avif'],
    ['a TIFF', Buffer.from('II*\0\x08\0\0\0'), 'tiff'],
    ['an SVG', Buffer.from('  <?xml version="1.0"?><svg xmlns="…"/>'), 'svg'],
    ['plain text', Buffer.from('hello world'), null],
  ])('recognises %s from the bytes', (_what, bytes, format) => {
    expect(sniffImageFormat(bytes)).toBe(format);
  });

  it('sniffSupportedImage answers only JPEG, PNG and WebP', () => {
    expect(sniffSupportedImage(png(2, 2))).toBe('png');
    expect(sniffSupportedImage(jpeg(4, 4))).toBe('jpeg');
    expect(sniffSupportedImage(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 '))).toBe('webp');
    expect(sniffSupportedImage(Buffer.from('GIF89a'))).toBeNull();
  });
});

describe('inspectImage', () => {
  it('recognises complete JPEG, PNG and WebP and reads their size from the header', () => {
    expect(inspectImage(tinyJpeg())).toEqual({
      format: 'jpeg',
      mime: 'image/jpeg',
      extension: 'jpg',
      width: 8,
      height: 8,
    });
    expect(inspectImage(tinyPng())).toMatchObject({ format: 'png', mime: 'image/png', width: 8, height: 8 });
    expect(inspectImage(tinyWebp())).toMatchObject({
      format: 'webp',
      extension: 'webp',
      width: 8,
      height: 8,
    });
    expect(inspectImage(png(32, 24), { maxPixels: 1e9 })).toMatchObject({
      format: 'png',
      mime: 'image/png',
      width: 32,
      height: 24,
    });
    expect(inspectImage(jpeg(40, 30), { maxPixels: 1e9 })).toMatchObject({
      format: 'jpeg',
      width: 40,
      height: 30,
    });
  });

  it('accepts a JPEG with padding after EOI', () => {
    expect(inspectImage(Buffer.concat([tinyJpeg(), Buffer.alloc(4)])).format).toBe('jpeg');
    expect(inspectImage(Buffer.concat([tinyJpeg(), Buffer.alloc(1000, 0x20)])).format).toBe('jpeg');
  });

  const tj = tinyJpeg();
  const tp = tinyPng();
  const tw = tinyWebp();
  const p8 = png(8, 8);
  it.each<[string, Uint8Array, InspectImageOptions | undefined, string | null]>([
    ['an empty body', Buffer.alloc(0), undefined, 'EMPTY_BODY'],
    ['JSON', Buffer.from('{"not":"an image"}'), undefined, 'NOT_AN_IMAGE'],
    [
      'plain text, edge rule',
      Buffer.from('plain text'),
      { unrecognised: 'UNSUPPORTED_IMAGE_FORMAT' },
      'UNSUPPORTED_IMAGE_FORMAT',
    ],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00'), undefined, 'UNSUPPORTED_IMAGE_FORMAT'],
    ['a JPEG cut at 4', tj.subarray(0, 4), undefined, 'CORRUPT_IMAGE'],
    ['a JPEG cut at 20', tj.subarray(0, 20), undefined, 'CORRUPT_IMAGE'],
    ['a JPEG without its last byte', tj.subarray(0, tj.length - 1), undefined, 'CORRUPT_IMAGE'],
    ['a JPEG without EOI', tj.subarray(0, tj.length - 2), undefined, 'CORRUPT_IMAGE'],
    ['a JPEG header without EOI', jpeg(10, 10, false), { maxPixels: 1e9 }, 'CORRUPT_IMAGE'],
    ['a PNG without IEND', p8.subarray(0, p8.length - 12), { maxPixels: 1e9 }, 'CORRUPT_IMAGE'],
    ['a PNG cut inside IEND', tp.subarray(0, tp.length - 6), undefined, 'CORRUPT_IMAGE'],
    ['a WebP shorter than its RIFF size', tw.subarray(0, tw.length - 3), undefined, 'CORRUPT_IMAGE'],
    ['a 50 MP PNG over 40 MP', hugePngHeader(10_000, 5_000), { maxPixels: 40e6 }, 'IMAGE_TOO_LARGE'],
    ['a 48 MP JPEG over 40 MP', jpeg(8000, 6000), { maxPixels: 40e6 }, 'IMAGE_TOO_LARGE'],
    ['a 36 MP JPEG under 40 MP', jpeg(6000, 6000), { maxPixels: 40e6 }, null],
    ['a 50 MP PNG without a limit', hugePngHeader(10_000, 5_000), undefined, null],
  ])('%s → %s', (_what, body, options, code) => {
    expect(codeOf(body, options)).toBe(code);
  });

  it('says what is wrong in the message', () => {
    expect(() => inspectImage(Buffer.from('GIF89a\x01\x00'))).toThrow(/GIF; send a JPEG, PNG or WebP/);
    expect(() => inspectImage(tj.subarray(0, tj.length - 2))).toThrow(/end marker is missing/);
    expect(() => inspectImage(jpeg(8000, 6000), { maxPixels: 40e6 })).toThrow(
      /8000x6000 \(48\.0 MP\); at most 40\.0 MP/,
    );
  });
});
