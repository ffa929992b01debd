/**
 * The one catalogue of error codes. REST problem bodies carry `{"detail": message, "code": CODE}` with the
 * status below; GraphQL errors carry the same code in `extensions.code`. Permanent failures are never 5xx:
 * Groundlight clients retry 5xx three times.
 */
export const ERROR_CODES = {
  // 400 — the request is wrong; retrying it unchanged cannot help
  BAD_REQUEST: { status: 400, message: 'The request is not valid.' },
  INVALID_PARAMETER: { status: 400, message: 'A query parameter has a value that is not allowed.' },
  UNKNOWN_PARAMETER: { status: 400, message: 'A query parameter is not supported.' },
  INVALID_COMBINATION: { status: 400, message: 'These options cannot be used together.' },
  INVALID_EDGE_CONFIG: { status: 400, message: 'The edge configuration is not valid.' },
  NOT_AN_IMAGE: { status: 400, message: 'The request body is not an image (JPEG, PNG or WebP).' },
  CORRUPT_IMAGE: { status: 400, message: 'The image could not be decoded; it may be truncated.' },
  EMPTY_BODY: { status: 400, message: 'The request body is empty; send the image bytes.' },
  // 401 / 403 — who is asking
  UNAUTHENTICATED: { status: 401, message: 'Send a valid API token in the x-api-token header.' },
  FORBIDDEN: { status: 403, message: 'This token is not allowed to do that.' },
  // 404 — the thing does not exist (here)
  NOT_FOUND: { status: 404, message: 'Not found.' },
  DETECTOR_NOT_FOUND: { status: 404, message: 'No detector has that id.' },
  IMAGE_QUERY_NOT_FOUND: { status: 404, message: 'No image query has that id.' },
  MODEL_NOT_FOUND: { status: 404, message: 'No model is installed for that detector.' },
  ESCALATION_NOT_FOUND: { status: 404, message: 'No escalation has that id.' },
  // 405 — the path exists, the method does not (answers carry an `Allow` header)
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed on this path.' },
  // 409 — the state does not allow it
  CONFLICT: { status: 409, message: 'The request conflicts with the current state.' },
  ALREADY_EXISTS: { status: 409, message: 'Something with that id or name already exists.' },
  MODEL_OUTPUT_MISMATCH: {
    status: 409,
    message: "The installed model does not fit the detector's configuration; publish a model trained for it.",
  },
  ESCALATION_CLAIMED: { status: 409, message: 'Another reviewer holds this escalation.' },
  LEASE_EXPIRED: { status: 409, message: 'Your claim on this escalation expired; claim it again.' },
  // 413 / 415 — the payload
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  IMAGE_TOO_LARGE: { status: 413, message: 'The image has too many pixels; resize it.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Request body must be image bytes.' },
  UNSUPPORTED_IMAGE_FORMAT: { status: 415, message: 'Send a JPEG, PNG or WebP image.' },
  UNSUPPORTED_MODE: { status: 400, message: 'This detector mode is not supported here.' },
  // 422 — well-formed but not understood (the edge's nginx replays these to the cloud)
  UNPROCESSABLE: { status: 422, message: 'The request could not be processed.' },
  // 429 / 503 — transient: clients may retry
  RATE_LIMITED: { status: 429, message: 'Too many requests; slow down and retry.' },
  EDGE_ONLY_UNAVAILABLE: {
    status: 503,
    message: 'Edge predictions are required for this detector, but no edge model is available yet.',
  },
  CLOUD_UNREACHABLE: { status: 503, message: 'The cloud cannot be reached; retry later.' },
  NOT_READY: { status: 503, message: 'The service is starting or not ready.' },
  // 500 — a bug; the message is masked
  INTERNAL: { status: 500, message: 'Unexpected error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function httpStatusFor(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/** The REST problem body: `detail` for Groundlight clients, `code` for ours. */
export interface ProblemBody {
  detail: string;
  code: ErrorCode;
  /** Field-level messages (for example from edge-config validation). */
  errors?: { path: string; message: string }[];
}

/**
 * A brand shared by every copy of this module. Under vitest (and with a workspace package reached both by its
 * tsconfig path and by its node_modules link) this file can be loaded twice, giving two `IntelliOpticsError`
 * classes; `instanceof` then fails across them. `Symbol.for` returns the same symbol in every copy.
 */
const BRAND = Symbol.for('intellioptics.error');

/** An expected failure with a code from the catalogue; transports map it to a status or an extension. */
export class IntelliOpticsError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly fieldErrors: { path: string; message: string }[] | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: {
      details?: Record<string, unknown>;
      fieldErrors?: { path: string; message: string }[];
      cause?: unknown;
    },
  ) {
    super(
      message ?? ERROR_CODES[code].message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'IntelliOpticsError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options?.details;
    this.fieldErrors = options?.fieldErrors;
  }

  toProblem(): ProblemBody {
    return {
      detail: this.message,
      code: this.code,
      ...(this.fieldErrors ? { errors: this.fieldErrors } : {}),
    };
  }
}

/** True for an IntelliOpticsError from any copy of this module (see BRAND). */
export function isIntelliOpticsError(e: unknown): e is IntelliOpticsError {
  return typeof e === 'object' && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true;
}
