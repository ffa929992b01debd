/**
 * The latest frame each camera stream handed to the detectors, so the heartbeat can show it at the cloud (the
 * review UI draws zones on it). Only a reference is kept per stream; the downscaled JPEG is made when a
 * heartbeat asks, once per frame.
 */
import sharp from 'sharp';
import type { FrameSink, StreamFrame } from '../streams/stream.types';

/** Long side of the frame sent to the cloud (enough to draw zones on, ~20-40 KB). */
export const THUMBNAIL_MAX_SIDE = 640;
const THUMBNAIL_QUALITY = 70;

export interface Thumbnail {
  jpeg: Buffer;
  width: number;
  height: number;
  at: Date;
}

export class LatestFrames {
  private readonly latest = new Map<string, StreamFrame>();
  private readonly made = new Map<string, { from: StreamFrame; thumbnail: Thumbnail | null }>();

  /** The sink, recording each frame before it goes on (a failing sink does not lose the frame). */
  recording(sink: FrameSink): FrameSink {
    return (frame) => {
      this.record(frame);
      return sink(frame);
    };
  }

  record(frame: StreamFrame): void {
    this.latest.set(frame.streamName, frame);
  }

  /** When the stream's latest frame arrived, or null before one. */
  latestAt(stream: string): Date | null {
    return this.latest.get(stream)?.capturedAt ?? null;
  }

  /** The downscaled JPEG of the stream's latest frame; null before one (or when it cannot be decoded). */
  async thumbnail(stream: string): Promise<Thumbnail | null> {
    const frame = this.latest.get(stream);
    if (!frame) return null;
    const cached = this.made.get(stream);
    if (cached?.from === frame) return cached.thumbnail;
    let thumbnail: Thumbnail | null;
    try {
      const { data, info } = await sharp(frame.image)
        .resize(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: THUMBNAIL_QUALITY })
        .toBuffer({ resolveWithObject: true });
      thumbnail = { jpeg: data, width: info.width, height: info.height, at: frame.capturedAt };
    } catch {
      thumbnail = null;
    }
    this.made.set(stream, { from: frame, thumbnail });
    return thumbnail;
  }

  /** Forgets streams no longer configured. */
  keepOnly(streams: ReadonlySet<string>): void {
    for (const name of [...this.latest.keys()]) {
      if (!streams.has(name)) {
        this.latest.delete(name);
        this.made.delete(name);
      }
    }
  }
}
