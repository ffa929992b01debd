/**
 * The FrameSink the gateway gives the stream manager: each frame becomes an image query per detector through
 * the same `ImageQueryService.submit` as `POST /device-api/v1/image-queries` (same validation, decision,
 * escalation, outbox and local store), authorised with the edge's own token. The IQ's metadata says which
 * camera and when (`{"source":"stream","stream":…,"captured_at":…}`), so the review UI can show it.
 *
 * Today `submit` takes one detector, so a camera with N detectors costs N inference calls (the inference
 * service batches concurrent ones, but computes the backbone per call). When the service gains a multi-detector
 * entry point (one `/infer?detector_id=a&detector_id=b` call, then the decision per detector), pass it as
 * `submitFrame` and the backbone runs once per frame; see README.md § Wiring.
 */
import { performance } from 'node:perf_hooks';
import { IntelliOpticsError, encodeMetadata } from '@intellioptics/schema';
import type { ImageQueryService } from '../image-queries/image-query.service';
import type { FrameSink, StreamFrame } from './stream.types';

export interface ImageQueryFrameSinkDeps {
  imageQueries: Pick<ImageQueryService, 'submit'>;
  /** The edge's own API token (EDGE_API_TOKEN); the token service accepts it without asking the cloud. */
  token: string;
  /** One call for all the frame's detectors (backbone once); when absent, `submit` is called per detector. */
  submitFrame?: (frame: StreamFrame, metadata: string) => Promise<void>;
}

export function createImageQueryFrameSink(deps: ImageQueryFrameSinkDeps): FrameSink {
  return async (frame) => {
    const metadata = encodeMetadata({
      source: 'stream',
      stream: frame.streamName,
      captured_at: frame.capturedAt.toISOString(),
    });
    if (deps.submitFrame) return deps.submitFrame(frame, metadata);
    const startedAt = performance.now();
    const results = await Promise.allSettled(
      frame.detectorIds.map((detectorId) =>
        deps.imageQueries.submit({
          query: new URLSearchParams({ detector_id: detectorId, metadata }),
          token: deps.token,
          contentType: frame.contentType,
          body: frame.image,
          startedAt,
        }),
      ),
    );
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${frame.detectorIds[i]}: ${describe(r.reason)}`] : [],
    );
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
