/**
 * The one catalogue of error codes. REST problem bodies carry `{"detail": message, "code": CODE}` with the
 * status below; GraphQL errors carry the same code in `extensions.code`. Permanent failures are never 5xx:
 * Groundlight clients retry 5xx three times.
 */
const MESSAGES_BY_STATUS = {
  // the request is wrong; retrying it unchanged cannot help
  400: {
    BAD_REQUEST: 'The request is not valid.',
    INVALID_PARAMETER: 'A query parameter has a value that is not allowed.',
    UNKNOWN_PARAMETER: 'A query parameter is not supported.',
    INVALID_COMBINATION: 'These options cannot be used together.',
    NOT_AN_IMAGE: 'The request body is not an image (JPEG, PNG or WebP).',
    CORRUPT_IMAGE: 'The image could not be decoded; it may be truncated.',
    EMPTY_BODY: 'The request body is empty; send the image bytes.',
    UNSUPPORTED_MODE: 'This detector mode is not supported here.',
  },
  // who is asking
  401: { UNAUTHENTICATED: 'Send a valid API token in the x-api-token header.' },
  403: { FORBIDDEN: 'This token is not allowed to do that.' },
  // the thing does not exist (here)
  404: {
    NOT_FOUND: 'Not found.',
    DETECTOR_NOT_FOUND: 'No detector has that id.',
    IMAGE_QUERY_NOT_FOUND: 'No image query has that id.',
    MODEL_NOT_FOUND: 'No model is installed for that detector.',
    ESCALATION_NOT_FOUND: 'No escalation has that id.',
  },
  // the path exists, the method does not (answers carry an `Allow` header)
  405: { METHOD_NOT_ALLOWED: 'This method is not allowed on this path.' },
  // the state does not allow it
  409: {
    CONFLICT: 'The request conflicts with the current state.',
    ALREADY_EXISTS: 'Something with that id or name already exists.',
    MODEL_OUTPUT_MISMATCH:
      "The installed model does not fit the detector's configuration; publish a model trained for it.",
    ESCALATION_CLAIMED: 'Another reviewer holds this escalation.',
    LEASE_EXPIRED: 'Your claim on this escalation expired; claim it again.',
  },
  // the payload
  413: {
    PAYLOAD_TOO_LARGE: 'The request body is too large.',
    IMAGE_TOO_LARGE: 'The image has too many pixels; resize it.',
  },
  415: {
    UNSUPPORTED_MEDIA_TYPE: 'Request body must be image bytes.',
    UNSUPPORTED_IMAGE_FORMAT: 'Send a JPEG, PNG or WebP image.',
  },
  // well-formed but not understood (the edge's nginx replays these to the cloud)
  // INVALID_EDGE_CONFIG: 422 as the reference edge answers a `PUT /edge-config` it cannot validate.
  422: {
    UNPROCESSABLE: 'The request could not be processed.',
    INVALID_EDGE_CONFIG: 'The edge configuration is not valid.',
  },
  // transient: clients may retry
  429: { RATE_LIMITED: 'Too many requests; slow down and retry.' },
  503: {
    EDGE_ONLY_UNAVAILABLE:
      'Edge predictions are required for this detector, but no edge model is available yet.',
    CLOUD_UNREACHABLE: 'The cloud cannot be reached; retry later.',
    NOT_READY: 'The service is starting or not ready.',
    DATABASE_UNAVAILABLE: 'The database is unreachable; retry later.',
  },
  // the server's disk is full: nothing was stored; retry once space is freed
  507: { INSUFFICIENT_STORAGE: 'The device is out of disk space; nothing was stored. Retry later.' },
  // a bug; the message is masked
  500: { INTERNAL: 'Unexpected error.' },
} as const;

type MessagesByStatus = typeof MESSAGES_BY_STATUS;
export type ErrorCode = { [S in keyof MessagesByStatus]: keyof MessagesByStatus[S] }[keyof MessagesByStatus];

type StatusOf<C extends ErrorCode> = {
  [S in keyof MessagesByStatus]: C extends keyof MessagesByStatus[S] ? S : never;
}[keyof MessagesByStatus];

/** Every code with its HTTP status and default message (the table above, flattened). */
export const ERROR_CODES = Object.fromEntries(
  Object.entries(MESSAGES_BY_STATUS).flatMap(([status, codes]) =>
    Object.entries(codes).map(([code, message]) => [code, { status: Number(status), message }]),
  ),
) as { [C in ErrorCode]: { status: StatusOf<C>; message: string } };

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
