/**
 * Motion gating on a tiny grey copy of each sampled frame (ffmpeg makes it: 64×48, area-averaged, which also
 * smooths away JPEG and sensor noise). The score is the fraction of pixels whose grey level moved by more than
 * `PIXEL_DELTA` against the last frame that was let through; a frame passes when the score exceeds the
 * threshold, or when `maxIntervalMs` has passed since the last one let through, so a still scene is still
 * checked now and then. One pass over 3,072 bytes per frame: negligible next to the JPEG decode.
 */

export const MOTION_WIDTH = 64;
export const MOTION_HEIGHT = 48;
export const MOTION_FRAME_BYTES = MOTION_WIDTH * MOTION_HEIGHT;
/** Grey levels (of 255) a pixel must move to count as changed. */
export const PIXEL_DELTA = 16;

export function changedFraction(a: Uint8Array, b: Uint8Array, delta = PIXEL_DELTA): number {
  if (a.length !== b.length || a.length === 0) return 1;
  let changed = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (d > delta || d < -delta) changed++;
  }
  return changed / a.length;
}

export type MotionVerdict =
  | { submit: true; reason: 'first' | 'motion' | 'max_interval'; score: number | null }
  | { submit: false; reason: 'still'; score: number };

export class MotionGate {
  private reference: Buffer | null = null;
  private referenceAt = 0;

  constructor(
    private readonly threshold: number,
    private readonly maxIntervalMs: number,
  ) {}

  check(grey: Buffer, nowMs: number): MotionVerdict {
    if (this.reference === null) {
      this.take(grey, nowMs);
      return { submit: true, reason: 'first', score: null };
    }
    const score = changedFraction(grey, this.reference);
    if (score > this.threshold) {
      this.take(grey, nowMs);
      return { submit: true, reason: 'motion', score };
    }
    if (nowMs - this.referenceAt >= this.maxIntervalMs) {
      this.take(grey, nowMs);
      return { submit: true, reason: 'max_interval', score };
    }
    return { submit: false, reason: 'still', score };
  }

  private take(grey: Buffer, nowMs: number): void {
    this.reference = Buffer.from(grey);
    this.referenceAt = nowMs;
  }
}
