import { describe, expect, it } from 'vitest';
import { IntelliOpticsError } from '@intellioptics/schema';
import { hugePngHeader, png } from '../../test/support/images';
import { inspectImage, sniffImage } from './image-inspect';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof IntelliOpticsError ? e.code : 'OTHER';
  }
}

// A minimal baseline JPEG header: SOI, SOF0 (8-bit, 40x30, 3 components) …, EOI.
function jpeg(width: number, height: number, withEoi = true): Buffer {
  const sof = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    0x03,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ]);
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    app0,
    sof,
    Buffer.alloc(50, 0x11),
    withEoi ? Buffer.from([0xff, 0xd9]) : Buffer.alloc(0),
  ]);
}

describe('inspectImage', () => {
  it('detects the real format from the bytes', () => {
    expect(sniffImage(png(2, 2))).toBe('png');
    expect(sniffImage(jpeg(4, 4))).toBe('jpeg');
    expect(sniffImage(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 '))).toBe('webp');
    expect(sniffImage(Buffer.from('GIF89a'))).toBeNull();
  });

  it('reads PNG and JPEG sizes from the header', () => {
    expect(inspectImage(png(32, 24), 1e9)).toMatchObject({
      kind: 'png',
      contentType: 'image/png',
      width: 32,
      height: 24,
    });
    expect(inspectImage(jpeg(40, 30), 1e9)).toMatchObject({ kind: 'jpeg', width: 40, height: 30 });
  });

  it('refuses empty, unknown, truncated and oversized images with the documented codes', () => {
    expect(codeOf(() => inspectImage(Buffer.alloc(0), 1e9))).toBe('EMPTY_BODY');
    expect(codeOf(() => inspectImage(Buffer.from('plain text'), 1e9))).toBe('UNSUPPORTED_IMAGE_FORMAT');
    const p = png(8, 8);
    expect(codeOf(() => inspectImage(p.subarray(0, p.length - 12), 1e9))).toBe('CORRUPT_IMAGE');
    expect(codeOf(() => inspectImage(jpeg(10, 10, false), 1e9))).toBe('CORRUPT_IMAGE');
    expect(codeOf(() => inspectImage(hugePngHeader(10_000, 5_000), 40e6))).toBe('IMAGE_TOO_LARGE');
    expect(codeOf(() => inspectImage(jpeg(8000, 6000), 40e6))).toBe('IMAGE_TOO_LARGE');
    expect(codeOf(() => inspectImage(jpeg(6000, 6000), 40e6))).toBeNull();
  });
});
