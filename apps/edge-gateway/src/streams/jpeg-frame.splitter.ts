/**
 * Cuts ffmpeg's `image2pipe` MJPEG output into whole JPEG files. Follows the JPEG marker structure (segment
 * lengths, then the entropy-coded data up to a real marker) rather than searching for FFD9, so bytes inside an APP
 * or COM segment can never end a frame early. Pending bytes are bounded by `maxFrameBytes`.
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

export class JpegFrameSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes = 16 * 1024 * 1024) {}

  /** Adds bytes and returns every frame they complete (each a copy that owns its memory). */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    for (;;) {
      const start = findSoi(this.pending);
      if (start < 0) {
        // Keep a trailing 0xFF: it may be the first byte of the next SOI.
        this.pending = this.pending.subarray(Math.max(0, this.pending.length - 1));
        if (this.pending[0] !== 0xff) this.pending = Buffer.alloc(0);
        break;
      }
      if (start > 0) this.pending = this.pending.subarray(start);
      const end = findJpegEnd(this.pending);
      if (end < 0) {
        if (this.pending.length > this.maxFrameBytes) {
          this.pending = Buffer.alloc(0);
          throw new Error(`a JPEG frame exceeded ${this.maxFrameBytes} bytes (corrupt stream?)`);
        }
        break;
      }
      frames.push(Buffer.from(this.pending.subarray(0, end)));
      this.pending = this.pending.subarray(end);
    }
    // Do not let a small tail pin the (possibly large) chunk it was sliced from.
    if (this.pending.length > 0 && this.pending.buffer.byteLength > this.pending.length * 4) {
      this.pending = Buffer.from(this.pending);
    }
    return frames;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.pending.length;
  }
}

function findSoi(buf: Buffer): number {
  for (let i = buf.indexOf(0xff); i >= 0 && i + 1 < buf.length; i = buf.indexOf(0xff, i + 1)) {
    if (buf[i + 1] === SOI) return i;
  }
  return -1;
}

/** Index just past the EOI of the JPEG that starts at 0, or -1 when more bytes are needed. */
export function findJpegEnd(buf: Buffer): number {
  let i = 2; // after SOI
  for (;;) {
    if (i + 1 >= buf.length) return -1;
    if (buf[i] !== 0xff) {
      // Not at a marker where one must be: resynchronise on the next 0xFF.
      const next = buf.indexOf(0xff, i);
      if (next < 0) return -1;
      i = next;
      continue;
    }
    const marker = buf[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === EOI) return i + 2;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === SOI) {
      i += 2; // markers without a length
      continue;
    }
    if (i + 3 >= buf.length) return -1;
    const length = buf.readUInt16BE(i + 2);
    i += 2 + length;
    if (marker !== SOS) continue;
    // Entropy-coded data: 0xFF is followed by 0x00 (stuffing) or RSTn; anything else is the next marker.
    for (;;) {
      const ff = buf.indexOf(0xff, i);
      if (ff < 0 || ff + 1 >= buf.length) return -1;
      const after = buf[ff + 1]!;
      if (after === 0x00 || (after >= 0xd0 && after <= 0xd7)) {
        i = ff + 2;
        continue;
      }
      i = ff;
      break;
    }
  }
}
