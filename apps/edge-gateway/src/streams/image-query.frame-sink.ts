/**
 * The FrameSink the gateway gives the stream manager: each frame becomes one typed `SubmitFrame` for every
 * detector watching the camera, so the image is stored once and inferred in one call (one backbone pass) with
 * the same decision, escalation, outbox and local store as REST image queries. The image queries' metadata
 * says which camera and when (`{"source":"stream","stream":…,"captured_at":…}`), so the review UI can show it.
 */
import { performance } from 'node:perf_hooks';
import { IntelliOpticsError, inspectImage } from '@intellioptics/schema';
import type { ImageQueryService } from '../image-queries/image-query.service';
import type { FrameSink } from './stream.types';

export interface ImageQueryFrameSinkDeps {
  imageQueries: Pick<ImageQueryService, 'submitFrame'>;
  maxImagePixels: number;
}

export function createImageQueryFrameSink(deps: ImageQueryFrameSinkDeps): FrameSink {
  return async (frame) => {
    const answers = await deps.imageQueries.submitFrame(
      {
        detectorIds: frame.detectorIds,
        image: { bytes: frame.image, info: inspectImage(frame.image, { maxPixels: deps.maxImagePixels }) },
        metadata: { source: 'stream', stream: frame.streamName, captured_at: frame.capturedAt.toISOString() },
      },
      performance.now(),
    );
    const failures = answers.flatMap((a) => (a.ok ? [] : [`${a.detectorId}: ${describe(a.error)}`]));
    if (failures.length > 0) {
      throw new Error(
        `image query failed for ${failures.length} of ${frame.detectorIds.length} detector(s): ${failures.join('; ')}`,
      );
    }
  };
}

function describe(e: unknown): string {
  if (e instanceof IntelliOpticsError) return `${e.code} ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
