/**
 * `POST /device-api/v1/image-queries`: the query string and content type, parsed once into a typed command.
 *
 * What the edge does with each query parameter (the reference edge answered 400 to the last three):
 * - detector_id (required), patience_time, confidence_threshold, human_review (DEFAULT|ALWAYS|NEVER),
 *   want_async (True/true/1/False/false/0): as in the Groundlight API.
 * - metadata (URL-safe base64 JSON ≤ 1 KiB): kept on the image query and sent with its escalation.
 * - image_query_id: used as the id of the image query (409 if the edge already has one with that id).
 * - inspection_id: accepted (the SDK may send it) and forwarded with escalations in the metadata.
 * - anything else: 400 UNKNOWN_PARAMETER.
 */
import { IntelliOpticsError, SubmitImageQueryParamsSchema, decodeMetadata } from '@intellioptics/schema';
import type { SubmitImageQuery } from '../image-queries/submit-image-query';

/** The content type must say image bytes (415 otherwise); the real format is read from the bytes later. */
export function assertImageContentType(contentType: string | undefined): void {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!ct.startsWith('image/')) {
    throw new IntelliOpticsError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be image bytes');
  }
}

/** Everything but the image; 400 INVALID_PARAMETER / UNKNOWN_PARAMETER with the parameter named. */
export function parseSubmitParams(query: URLSearchParams): Omit<SubmitImageQuery, 'image'> {
  const raw: Record<string, string> = {};
  for (const [k, v] of query) raw[k] = v;
  const parsed = SubmitImageQueryParamsSchema.safeParse(raw);
  if (!parsed.success) {
    const unknown = parsed.error.issues.find((i) => i.code === 'unrecognized_keys');
    if (unknown && 'keys' in unknown) {
      throw new IntelliOpticsError(
        'UNKNOWN_PARAMETER',
        `Invalid query parameters: ${unknown.keys.join(', ')}`,
      );
    }
    const first = parsed.error.issues[0];
    throw new IntelliOpticsError(
      'INVALID_PARAMETER',
      `Invalid query parameter ${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid value'}`,
    );
  }
  const p = parsed.data;
  const metadata = decodeMetadata(p.metadata);
  if (!metadata.ok)
    throw new IntelliOpticsError('INVALID_PARAMETER', `Invalid metadata: ${metadata.error ?? ''}`);
  return {
    detectorId: p.detector_id,
    humanReview: p.human_review ?? 'DEFAULT',
    wantAsync: p.want_async ?? false,
    confidenceThreshold: p.confidence_threshold,
    patienceTime: p.patience_time,
    metadata: metadata.value,
    inspectionId: p.inspection_id,
    imageQueryId: p.image_query_id,
  };
}
