/**
 * HTTP-facing errors with codes from the shared catalogue (@intellioptics/schema ERROR_CODES): a status, a
 * stable machine-readable code and a human `detail` that says what to do.
 */
import type { ErrorCode } from '@intellioptics/schema';
import { httpStatusFor } from '@intellioptics/schema';
import type { VisionInputErrorCode } from '@intellioptics/vision';
import { ModelPackageError, VisionInputError } from '@intellioptics/vision';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    status?: number,
  ) {
    super(detail);
    this.status = status ?? httpStatusFor(code);
  }
}

/** libs/vision input codes → catalogue codes (EMPTY_IMAGE is the catalogue's EMPTY_BODY). */
const INPUT_CODES: Record<VisionInputErrorCode, ErrorCode> = {
  EMPTY_IMAGE: 'EMPTY_BODY',
  NOT_AN_IMAGE: 'NOT_AN_IMAGE',
  UNSUPPORTED_IMAGE_FORMAT: 'UNSUPPORTED_IMAGE_FORMAT',
  CORRUPT_IMAGE: 'CORRUPT_IMAGE',
  IMAGE_TOO_LARGE: 'IMAGE_TOO_LARGE',
};

/** Maps any thrown value to an HttpError; unknown errors become a 500 the caller must log. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof VisionInputError) return new HttpError(INPUT_CODES[err.code], err.message);
  if (err instanceof ModelPackageError)
    return new HttpError('MODEL_NOT_FOUND', `No loadable model: ${err.message}`);
  return new HttpError('INTERNAL', 'Unexpected error.');
}
