/**
 * A FrameSink for tests that records what it receives and checks every image is a whole JPEG (SOF dimensions
 * read from the bytes); `decodeGrey` fully decodes one with ffmpeg to compare pixels. Keeps only the last few
 * images so a long test does not hold every frame.
 */
import { spawn } from 'node:child_process';
import type { FrameSink, StreamFrame } from '../../src/streams/stream.types';

export interface RecordedFrame {
  streamName: string;
  detectorIds: string[];
  capturedAt: Date;
  receivedAt: number;
  bytes: number;
  width: number;
  height: number;
}

export class RecordingSink {
  readonly frames: RecordedFrame[] = [];
  /** The last image received per stream. */
  readonly lastImage = new Map<string, Buffer>();
  readonly firstImage = new Map<string, Buffer>();
  /** Milliseconds each call takes (a slow detector), for every stream or per stream. */
  delayMs = 0;
  readonly delays = new Map<string, number>();
  /** Make calls fail (an image-query path that errors). */
  fail = false;
  keepFrames = true;
  readonly counts = new Map<string, number>();

  readonly sink: FrameSink = async (frame: StreamFrame) => {
    const size = jpegSize(frame.image);
    if (!size) throw new Error(`stream ${frame.streamName} sent something that is not a whole JPEG`);
    this.counts.set(frame.streamName, (this.counts.get(frame.streamName) ?? 0) + 1);
    if (this.keepFrames) {
      this.frames.push({
        streamName: frame.streamName,
        detectorIds: [...frame.detectorIds],
        capturedAt: frame.capturedAt,
        receivedAt: Date.now(),
        bytes: frame.image.length,
        ...size,
      });
    }
    if (!this.firstImage.has(frame.streamName)) this.firstImage.set(frame.streamName, frame.image);
    this.lastImage.set(frame.streamName, frame.image);
    const delay = this.delays.get(frame.streamName) ?? this.delayMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (this.fail) throw new Error('detector unavailable');
  };

  of(stream: string): RecordedFrame[] {
    return this.frames.filter((f) => f.streamName === stream);
  }

  count(stream: string): number {
    return this.counts.get(stream) ?? 0;
  }
}

/** Width and height from the SOF marker, or null when the bytes are not a complete JPEG (SOI … EOI). */
export function jpegSize(buf: Buffer): { width: number; height: number } | null {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  if (buf[buf.length - 2] !== 0xff || buf[buf.length - 1] !== 0xd9) return null;
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1]!;
    const length = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + length;
  }
  return null;
}

/** Decodes an image with ffmpeg (optionally through a filter) into 8-bit grey pixels. */
export function decodeGrey(input: Buffer | string, filter?: string): Promise<Buffer> {
  const source = typeof input === 'string' ? ['-i', input] : ['-f', 'image2pipe', '-i', 'pipe:0'];
  const args = ['-v', 'error', ...source, ...(filter ? ['-vf', filter] : []), '-frames:v', '1'];
  args.push('-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1');
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg decode failed: ${err}`)),
    );
    if (typeof input === 'string') child.stdin.end();
    else child.stdin.end(input);
  });
}

export function meanAbsDiff(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

export function stdDev(a: Buffer): number {
  let sum = 0;
  for (const v of a) sum += v;
  const mean = sum / a.length;
  let sq = 0;
  for (const v of a) sq += (v - mean) ** 2;
  return Math.sqrt(sq / a.length);
}
