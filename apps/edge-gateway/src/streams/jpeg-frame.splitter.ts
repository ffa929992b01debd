/**
 * Cuts ffmpeg's `image2pipe` MJPEG output into whole JPEG files. Follows the JPEG marker structure (segment
 * lengths, then the entropy-coded data up to a real marker) rather than searching for FFD9, so bytes inside an APP
 * or COM segment can never end a frame early. Incremental: each byte is looked at once whatever the chunk sizes,
 * and the bytes of an unfinished frame are bounded by `maxFrameBytes`.
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

type State =
  | 'seek' // looking for the 0xFF of an SOI
  | 'seek2' // saw 0xFF, expecting 0xD8
  | 'marker' // expecting 0xFF at a marker boundary
  | 'code' // saw 0xFF, reading the marker code
  | 'len1'
  | 'len2'
  | 'skip' // inside a segment's payload
  | 'entropy' // entropy-coded data after SOS
  | 'entropy_ff'; // saw 0xFF inside entropy-coded data

const standalone = (code: number) => code === 0x01 || code === SOI || (code >= 0xd0 && code <= 0xd7);

export class JpegFrameSplitter {
  private state: State = 'seek';
  /** Bytes of the current frame from earlier chunks. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private length = 0;
  private remaining = 0;
  private inSos = false;

  constructor(private readonly maxFrameBytes = 16 * 1024 * 1024) {}

  /** Adds bytes and returns every frame they complete (each owns its memory). */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let start = 0; // where the current frame's bytes begin in this chunk
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'seek': {
          const ff = chunk.indexOf(0xff, i);
          if (ff < 0) {
            i = chunk.length;
            break;
          }
          start = ff;
          i = ff + 1;
          this.state = 'seek2';
          break;
        }
        case 'seek2':
          if (chunk[i] === SOI) {
            // The 0xFF may have been the last byte of the previous chunk.
            if (i === 0) this.hold(Buffer.from([0xff]));
            this.state = 'marker';
          } else if (chunk[i] !== 0xff) this.state = 'seek';
          else start = i;
          i++;
          break;
        case 'marker': {
          const ff = chunk.indexOf(0xff, i);
          if (ff < 0) {
            i = chunk.length; // not a marker where one must be: resynchronise on the next 0xFF
            break;
          }
          i = ff + 1;
          this.state = 'code';
          break;
        }
        case 'code': {
          const code = chunk[i++]!;
          if (code === 0xff) break; // fill byte
          if (code === EOI) {
            frames.push(this.take(chunk.subarray(start, i)));
            start = i;
            this.state = 'seek';
          } else if (standalone(code)) this.state = 'marker';
          else {
            this.inSos = code === SOS;
            this.state = 'len1';
          }
          break;
        }
        case 'len1':
          this.length = chunk[i++]! << 8;
          this.state = 'len2';
          break;
        case 'len2':
          this.length |= chunk[i++]!;
          this.remaining = Math.max(0, this.length - 2);
          this.state = this.remaining > 0 ? 'skip' : this.inSos ? 'entropy' : 'marker';
          break;
        case 'skip': {
          const n = Math.min(this.remaining, chunk.length - i);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = this.inSos ? 'entropy' : 'marker';
          break;
        }
        case 'entropy': {
          const ff = chunk.indexOf(0xff, i);
          if (ff < 0) i = chunk.length;
          else {
            i = ff + 1;
            this.state = 'entropy_ff';
          }
          break;
        }
        case 'entropy_ff': {
          const next = chunk[i]!;
          if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
            i++;
            this.state = 'entropy';
          } else if (next === 0xff) i++;
          else this.state = 'code'; // a real marker: 'code' reads it
          break;
        }
      }
    }
    if (this.state !== 'seek' && this.state !== 'seek2') {
      this.hold(chunk.subarray(start));
      if (this.heldBytes > this.maxFrameBytes) {
        this.reset();
        throw new Error(`a JPEG frame exceeded ${this.maxFrameBytes} bytes (corrupt stream?)`);
      }
    }
    return frames;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  private hold(bytes: Buffer): void {
    if (bytes.length === 0) return;
    // A copy: a held slice would pin the whole chunk it came from.
    this.held.push(Buffer.from(bytes));
    this.heldBytes += bytes.length;
  }

  private take(tail: Buffer): Buffer {
    const frame = Buffer.concat([...this.held, tail]);
    this.held = [];
    this.heldBytes = 0;
    return frame;
  }

  private reset(): void {
    this.held = [];
    this.heldBytes = 0;
    this.state = 'seek';
  }
}
