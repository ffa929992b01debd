/**
 * Cheap checks on the request body before any decode: the real format from the magic bytes (the SDK always
 * says image/jpeg), the pixel size from the header, and an obviously truncated file (missing JPEG EOI, PNG IEND,
 * or a RIFF size that does not match). Inference decodes fully and may still refuse a corrupt image.
 */
import { IntelliOpticsError } from '@intellioptics/schema';

export type ImageKind = 'jpeg' | 'png' | 'webp';

export interface ImageInfo {
  kind: ImageKind;
  contentType: `image/${ImageKind}`;
  width: number | null;
  height: number | null;
}

export function sniffImage(b: Uint8Array): ImageKind | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (
    b.length >= 8 &&
    b[0] === 0x89 &&
    b[1] === 0x50 &&
    b[2] === 0x4e &&
    b[3] === 0x47 &&
    b[4] === 0x0d &&
    b[5] === 0x0a &&
    b[6] === 0x1a &&
    b[7] === 0x0a
  )
    return 'png';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  return null;
}

/** Validate the body as an image; throws IntelliOpticsError with the documented 4xx. */
export function inspectImage(body: Buffer, maxPixels: number): ImageInfo {
  if (body.length === 0) throw new IntelliOpticsError('EMPTY_BODY');
  const kind = sniffImage(body);
  if (kind === null) {
    throw new IntelliOpticsError(
      'UNSUPPORTED_IMAGE_FORMAT',
      'The request body is not a JPEG, PNG or WebP image.',
    );
  }
  let dims: { width: number; height: number } | null;
  switch (kind) {
    case 'jpeg':
      if (!jpegComplete(body)) throw truncated();
      dims = jpegSize(body);
      break;
    case 'png':
      if (!pngComplete(body)) throw truncated();
      dims = pngSize(body);
      break;
    case 'webp':
      if (body.length < 12 || body.readUInt32LE(4) + 8 > body.length) throw truncated();
      dims = webpSize(body);
      break;
  }
  if (dims && dims.width * dims.height > maxPixels) {
    throw new IntelliOpticsError(
      'IMAGE_TOO_LARGE',
      `The image is ${dims.width}x${dims.height} (${((dims.width * dims.height) / 1e6).toFixed(1)} MP); ` +
        `at most ${(maxPixels / 1e6).toFixed(1)} MP is accepted. Resize it.`,
    );
  }
  return { kind, contentType: `image/${kind}`, width: dims?.width ?? null, height: dims?.height ?? null };
}

function truncated(): IntelliOpticsError {
  return new IntelliOpticsError('CORRUPT_IMAGE', 'The image is truncated (its end marker is missing).');
}

function ascii(b: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...b.subarray(start, Math.min(end, b.length)));
}

/** EOI (FF D9) at the end, allowing a little trailing padding that some cameras add. */
function jpegComplete(b: Buffer): boolean {
  const tail = b.subarray(Math.max(0, b.length - 4096));
  for (let i = tail.length - 2; i >= 0; i--) {
    if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
  }
  return false;
}

function jpegSize(b: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const len = b.readUInt16BE(i + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  return null;
}

function pngComplete(b: Buffer): boolean {
  return b.length >= 20 && ascii(b, b.length - 8, b.length - 4) === 'IEND';
}

function pngSize(b: Buffer): { width: number; height: number } | null {
  if (b.length < 24 || ascii(b, 12, 16) !== 'IHDR') return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function webpSize(b: Buffer): { width: number; height: number } | null {
  if (b.length < 30) return null;
  const chunk = ascii(b, 12, 16);
  if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  return null;
}
