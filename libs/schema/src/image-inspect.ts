/**
 * The one cheap inspection of an uploaded image, run by every service before any decode: the real format from
 * the magic bytes (the SDK labels every body image/jpeg, so the header is never trusted), the pixel size from
 * the header, and a structural completeness check that catches truncated uploads without decoding pixels
 * (JPEG segments intact up to the scan and an EOI near the end, PNG chunk framing ending in IEND, a RIFF size
 * that fits). The decoder may still refuse a corrupt image; this only refuses what is certainly wrong.
 */
import { IntelliOpticsError } from './errors';

/** Every format the sniffer recognises; only SUPPORTED_IMAGE_FORMATS are accepted. */
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'bmp', 'tiff', 'heif', 'avif', 'svg'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export const SUPPORTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type SupportedImageFormat = (typeof SUPPORTED_IMAGE_FORMATS)[number];

export interface ImageInfo {
  format: SupportedImageFormat;
  mime: `image/${SupportedImageFormat}`;
  extension: 'jpg' | 'png' | 'webp';
  /** From the header; null when the header does not say where this check looks. */
  width: number | null;
  height: number | null;
}

export interface InspectImageOptions {
  /** Largest accepted width × height (IMAGE_TOO_LARGE above it); default: no limit. */
  maxPixels?: number;
  /**
   * The code for bytes that are no known image format. NOT_AN_IMAGE (400) by default; the edge answers
   * UNSUPPORTED_IMAGE_FORMAT (415) as its README documents. Known but unsupported formats (GIF, HEIC…) are
   * always UNSUPPORTED_IMAGE_FORMAT.
   */
  unrecognised?: 'NOT_AN_IMAGE' | 'UNSUPPORTED_IMAGE_FORMAT';
}

interface Size {
  width: number;
  height: number;
}

/** How far before the end an EOI may sit: some cameras pad the file after it. */
const JPEG_TRAILER_WINDOW = 4096;

const ascii = (b: Uint8Array, start: number, end: number): string =>
  String.fromCharCode(...b.subarray(start, Math.min(end, b.length)));
const u16be = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number): number => ((u16be(b, i) << 16) >>> 0) + u16be(b, i + 2);
const u32le = (b: Uint8Array, i: number): number => ((u16le(b, i + 2) << 16) >>> 0) + u16le(b, i);

const HEIF_BRANDS = ['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'];

export function sniffImageFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && ascii(b, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (ascii(b, 0, 4) === 'GIF8') return 'gif';
  if (ascii(b, 0, 2) === 'BM' && b.length >= 14) return 'bmp';
  if (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*') return 'tiff';
  if (ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (HEIF_BRANDS.includes(brand)) return 'heif';
  }
  const head = ascii(b, 0, 256).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'svg';
  return null;
}

export function isSupportedImageFormat(f: ImageFormat): f is SupportedImageFormat {
  return (SUPPORTED_IMAGE_FORMATS as readonly string[]).includes(f);
}

/** The supported format of the bytes, or null (GIF and other known formats included). */
export function sniffSupportedImage(b: Uint8Array): SupportedImageFormat | null {
  const f = sniffImageFormat(b);
  return f !== null && isSupportedImageFormat(f) ? f : null;
}

/** Validates the body as an image; throws IntelliOpticsError with the documented 4xx code. */
export function inspectImage(body: Uint8Array, options: InspectImageOptions = {}): ImageInfo {
  if (body.length === 0) throw new IntelliOpticsError('EMPTY_BODY');
  const sniffed = sniffImageFormat(body);
  if (sniffed === null) {
    throw new IntelliOpticsError(
      options.unrecognised ?? 'NOT_AN_IMAGE',
      'The request body is not a JPEG, PNG or WebP image.',
    );
  }
  if (!isSupportedImageFormat(sniffed)) {
    throw new IntelliOpticsError(
      'UNSUPPORTED_IMAGE_FORMAT',
      `The image is ${sniffed.toUpperCase()}; send a JPEG, PNG or WebP image.`,
    );
  }
  const scan = scanImage(body, sniffed);
  if (!scan.complete) {
    throw new IntelliOpticsError(
      'CORRUPT_IMAGE',
      `The ${sniffed.toUpperCase()} image is truncated or malformed (${scan.why}).`,
    );
  }
  const maxPixels = options.maxPixels ?? Number.POSITIVE_INFINITY;
  const size = scan.size;
  if (size && size.width * size.height > maxPixels) {
    throw new IntelliOpticsError(
      'IMAGE_TOO_LARGE',
      `The image is ${size.width}x${size.height} (${((size.width * size.height) / 1e6).toFixed(1)} MP); ` +
        `at most ${(maxPixels / 1e6).toFixed(1)} MP is accepted. Resize it.`,
    );
  }
  return {
    format: sniffed,
    mime: `image/${sniffed}`,
    extension: sniffed === 'jpeg' ? 'jpg' : sniffed,
    width: size?.width ?? null,
    height: size?.height ?? null,
  };
}

type Scan = { complete: true; size: Size | null } | { complete: false; why: string };

function scanImage(b: Uint8Array, format: SupportedImageFormat): Scan {
  switch (format) {
    case 'jpeg':
      return scanJpeg(b);
    case 'png':
      return scanPng(b);
    case 'webp':
      return scanWebp(b);
  }
}

const isJpegFrameMarker = (m: number): boolean =>
  (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7;

/** Walks the marker segments up to the first SOS (every length must fit), then looks for EOI near the end. */
function scanJpeg(b: Uint8Array): Scan {
  let i = 2;
  let size: Size | null = null;
  let sawFrame = false;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return { complete: false, why: 'a segment does not start with a marker' };
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0xd9) return { complete: false, why: 'it ends before any image data' };
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const len = u16be(b, i + 2);
    if (len < 2 || i + 2 + len > b.length) return { complete: false, why: 'a segment runs past the end' };
    if (isJpegFrameMarker(marker)) {
      sawFrame = true;
      if (len >= 7) size = { height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    if (marker === 0xda) {
      if (!sawFrame) return { complete: false, why: 'the scan comes before the frame header' };
      const scanStart = i + 2 + len;
      for (let j = b.length - 2; j >= Math.max(scanStart + 1, b.length - JPEG_TRAILER_WINDOW); j--) {
        if (b[j] === 0xff && b[j + 1] === 0xd9) return { complete: true, size };
      }
      return { complete: false, why: 'its end marker is missing' };
    }
    i += 2 + len;
  }
  return { complete: false, why: 'it ends before the image data' };
}

/** Chunk framing from IHDR to IEND. */
function scanPng(b: Uint8Array): Scan {
  let i = 8;
  let size: Size | null = null;
  while (i + 12 <= b.length) {
    const len = u32be(b, i);
    const type = ascii(b, i + 4, i + 8);
    if (i === 8) {
      if (type !== 'IHDR' || len < 8) return { complete: false, why: 'the first chunk is not IHDR' };
      size = { width: u32be(b, i + 8), height: u32be(b, i + 12) };
    }
    if (i + 12 + len > b.length) return { complete: false, why: `the ${type} chunk runs past the end` };
    if (type === 'IEND') return { complete: true, size };
    i += 12 + len;
  }
  return { complete: false, why: 'its IEND chunk is missing' };
}

/** The RIFF size must fit in the body; the size comes from the VP8 / VP8L / VP8X header. */
function scanWebp(b: Uint8Array): Scan {
  const riffSize = u32le(b, 4);
  if (riffSize < 12 || riffSize + 8 > b.length) return { complete: false, why: 'the RIFF size does not fit' };
  return { complete: true, size: webpSize(b) };
}

function webpSize(b: Uint8Array): Size | null {
  if (b.length < 30) return null;
  switch (ascii(b, 12, 16)) {
    case 'VP8X':
      return { width: 1 + u24le(b, 24), height: 1 + u24le(b, 27) };
    case 'VP8L': {
      const bits = u32le(b, 21);
      return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
    }
    case 'VP8 ':
      return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
    default:
      return null;
  }
}
