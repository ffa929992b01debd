/**
 * `POST /image-queries` as a typed command, parsed once by whichever transport receives it (edge or cloud
 * REST) so both answer the same messages and apply the same content-type rule; camera frames build the
 * command directly. Parameters as docs/REST-COMPAT.md "Submitting an image query" lists them: detector_id
 * (required), patience_time, confidence_threshold, human_review (DEFAULT|ALWAYS|NEVER), want_async
 * (True/true/1/False/false/0), metadata (URL-safe base64 JSON ≤ 1 KiB), image_query_id, inspection_id; anything
 * else is UNKNOWN_PARAMETER, unless the transport passes `onUnknown` (the edge: newer SDKs add parameters, and
 * the reference edge ignores what it does not know), which drops them and hears their names.
 */
import type { HumanReview } from './enums';
import { IntelliOpticsError } from './errors';
import { inspectImage, type ImageInfo, type InspectImageOptions } from './image-inspect';
import { SubmitImageQueryParamsSchema, decodeMetadata, encodeMetadata } from './rest';

/** Everything a submit says except the image. */
export interface SubmitImageQueryParameters {
  detectorId: string;
  /** The request's threshold; undefined: the detector's. */
  confidenceThreshold: number | undefined;
  /** Seconds; undefined: the detector's. */
  patienceTime: number | undefined;
  humanReview: HumanReview;
  wantAsync: boolean;
  /** A caller-chosen id (retries reuse it). */
  imageQueryId: string | undefined;
  inspectionId: string | undefined;
  /** The decoded `metadata` object; null when absent. */
  metadata: Record<string, unknown> | null;
}

export interface InspectedImage {
  bytes: Uint8Array;
  info: ImageInfo;
}

export interface SubmitImageQuery extends SubmitImageQueryParameters {
  image: InspectedImage;
}

export interface SubmitRequestParts {
  query: URLSearchParams;
  contentType: string | undefined;
  body: Uint8Array;
}

/**
 * The body must be declared as image bytes (`image/*`) or as opaque bytes (`application/octet-stream`, or no
 * header at all); the bytes themselves are sniffed afterwards, so a wrong image subtype is harmless.
 */
export function assertImageContentType(contentType: string | undefined): void {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === '' || type === 'application/octet-stream' || type.startsWith('image/')) return;
  throw new IntelliOpticsError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be image bytes');
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000: refused at the edge too, or the edge would accept a query its
 * escalation can never deliver.
 */
function nulIn(name: string): IntelliOpticsError {
  return new IntelliOpticsError('INVALID_PARAMETER', `Query parameter ${name} contains a NUL character.`);
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasNul);
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v));
}

export interface ParameterOptions {
  /** Unknown names are ignored and reported here instead of refused with UNKNOWN_PARAMETER. */
  onUnknown?: (names: string[]) => void;
}

/** The query parameters alone: INVALID_PARAMETER / UNKNOWN_PARAMETER with one message per problem. */
export function parseSubmitImageQueryParameters(
  query: URLSearchParams,
  options: ParameterOptions = {},
): SubmitImageQueryParameters {
  const raw: Record<string, string> = {};
  for (const [k, v] of query) {
    if (v.includes('\u0000')) throw nulIn(k);
    raw[k] = v;
  }
  let parsed = SubmitImageQueryParamsSchema.safeParse(raw);
  const ignored = parsed.success
    ? undefined
    : parsed.error.issues.find((i) => i.code === 'unrecognized_keys');
  if (options.onUnknown && ignored && 'keys' in ignored) {
    for (const k of ignored.keys) delete raw[k];
    options.onUnknown(ignored.keys);
    parsed = SubmitImageQueryParamsSchema.safeParse(raw);
  }
  if (!parsed.success) {
    const unknown = parsed.error.issues.find((i) => i.code === 'unrecognized_keys');
    if (unknown && 'keys' in unknown) {
      throw new IntelliOpticsError(
        'UNKNOWN_PARAMETER',
        `Invalid query parameters: ${unknown.keys.join(', ')}`,
      );
    }
    const problems = parsed.error.issues.map((i) =>
      i.path[0] === 'detector_id' && raw.detector_id === undefined
        ? 'Missing query parameter detector_id'
        : `Invalid query parameter ${i.path.join('.')}: ${i.message}`,
    );
    throw new IntelliOpticsError('INVALID_PARAMETER', problems.join('; '));
  }
  const p = parsed.data;
  const metadata = decodeMetadata(p.metadata);
  if (!metadata.ok) {
    throw new IntelliOpticsError(
      'INVALID_PARAMETER',
      `Invalid query parameter metadata: ${metadata.error ?? ''}`,
    );
  }
  if (hasNul(metadata.value)) throw nulIn('metadata');
  return {
    detectorId: p.detector_id,
    confidenceThreshold: p.confidence_threshold,
    patienceTime: p.patience_time,
    humanReview: p.human_review ?? 'DEFAULT',
    wantAsync: p.want_async ?? false,
    imageQueryId: p.image_query_id,
    inspectionId: p.inspection_id,
    metadata: metadata.value,
  };
}

/**
 * The one parser of a submit: content type (415), parameters (400), then the image (400/413/415). Throws
 * IntelliOpticsError. Authorisation is the transport's and comes first.
 */
export function parseSubmitImageQuery(
  request: SubmitRequestParts,
  inspect: InspectImageOptions = {},
  parameterOptions: ParameterOptions = {},
): SubmitImageQuery {
  assertImageContentType(request.contentType);
  const parameters = parseSubmitImageQueryParameters(request.query, parameterOptions);
  return { ...parameters, image: { bytes: request.body, info: inspectImage(request.body, inspect) } };
}

/** The query string that `parseSubmitImageQueryParameters` reads back as `parameters` (the edge → cloud encoder). */
export function buildSubmitQuery(parameters: SubmitImageQueryParameters): URLSearchParams {
  const q = new URLSearchParams({ detector_id: parameters.detectorId });
  if (parameters.imageQueryId !== undefined) q.set('image_query_id', parameters.imageQueryId);
  if (parameters.patienceTime !== undefined) q.set('patience_time', String(parameters.patienceTime));
  if (parameters.confidenceThreshold !== undefined)
    q.set('confidence_threshold', String(parameters.confidenceThreshold));
  q.set('human_review', parameters.humanReview);
  if (parameters.wantAsync) q.set('want_async', 'True');
  if (parameters.inspectionId !== undefined) q.set('inspection_id', parameters.inspectionId);
  if (parameters.metadata !== null) q.set('metadata', encodeMetadata(parameters.metadata));
  return q;
}
