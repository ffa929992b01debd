/**
 * Image format from the bytes (the SDK labels every body image/jpeg), plus a structural completeness check
 * that catches truncated uploads without decoding pixels: a JPEG must have its segments intact up to the
 * scan and end with EOI, a PNG must have valid chunk framing ending in IEND, a WebP's RIFF size must match.
 */
import { IntelliOpticsError } from '@intellioptics/schema';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export interface ImageInfo {
  format: ImageFormat;
  mime: `image/${ImageFormat}`;
  extension: 'jpg' | 'png' | 'webp';
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniffFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && Buffer.from(b.subarray(0, 8)).equals(PNG_SIGNATURE)) return 'png';
  if (
    b.length >= 12 &&
    Buffer.from(b.subarray(0, 4)).toString('latin1') === 'RIFF' &&
    Buffer.from(b.subarray(8, 12)).toString('latin1') === 'WEBP'
  ) {
    return 'webp';
  }
  return null;
}

/** Checks the body is a complete JPEG, PNG or WebP; throws EMPTY_BODY, NOT_AN_IMAGE or CORRUPT_IMAGE. */
export function inspectImage(body: Uint8Array): ImageInfo {
  if (body.length === 0) throw new IntelliOpticsError('EMPTY_BODY');
  const format = sniffFormat(body);
  if (!format) throw new IntelliOpticsError('NOT_AN_IMAGE');
  const ok =
    format === 'jpeg' ? jpegComplete(body) : format === 'png' ? pngComplete(body) : webpComplete(body);
  if (!ok) throw new IntelliOpticsError('CORRUPT_IMAGE');
  return { format, mime: `image/${format}`, extension: format === 'jpeg' ? 'jpg' : format };
}

function jpegComplete(b: Uint8Array): boolean {
  // Walk the marker segments up to the first SOS; every length must fit inside the buffer.
  let i = 2;
  let sawFrame = false;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return false;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0xd9) return false; // EOI before any scan
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (len < 2 || i + 2 + len > b.length) return false;
    if (
      (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) ||
      marker === 0xf7
    ) {
      sawFrame = true;
    }
    if (marker === 0xda) {
      if (!sawFrame) return false;
      // The entropy-coded data runs to EOI; allow trailing zero padding some encoders add.
      let end = b.length;
      while (end > i && b[end - 1] === 0x00) end--;
      return end - 2 > i + 2 + len && b[end - 2] === 0xff && b[end - 1] === 0xd9;
    }
    i += 2 + len;
  }
  return false;
}

function pngComplete(b: Uint8Array): boolean {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = 8;
  let first = true;
  while (i + 12 <= b.length) {
    const len = view.getUint32(i);
    const type = Buffer.from(b.subarray(i + 4, i + 8)).toString('latin1');
    if (first && type !== 'IHDR') return false;
    first = false;
    if (i + 12 + len > b.length) return false;
    if (type === 'IEND') return true;
    i += 12 + len;
  }
  return false;
}

function webpComplete(b: Uint8Array): boolean {
  const riffSize = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4, true);
  return riffSize + 8 <= b.length && riffSize >= 12;
}
