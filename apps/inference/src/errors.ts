/**
 * libs/vision's failures in the shared error catalogue (@intellioptics/schema ERROR_CODES): a status, a stable
 * machine-readable code and a human `detail` that says what to do. Everything else passes through, so the
 * HTTP kit answers catalogue errors with their status and masks the rest as 500.
 */
import type { ErrorCode } from '@intellioptics/schema';
import { IntelliOpticsError } from '@intellioptics/schema';
import type { VisionInputErrorCode } from '@intellioptics/vision';
import { ModelPackageError, VisionInputError } from '@intellioptics/vision';

/** libs/vision input codes → catalogue codes (EMPTY_IMAGE is the catalogue's EMPTY_BODY). */
const INPUT_CODES: Record<VisionInputErrorCode, ErrorCode> = {
  EMPTY_IMAGE: 'EMPTY_BODY',
  NOT_AN_IMAGE: 'NOT_AN_IMAGE',
  UNSUPPORTED_IMAGE_FORMAT: 'UNSUPPORTED_IMAGE_FORMAT',
  CORRUPT_IMAGE: 'CORRUPT_IMAGE',
  IMAGE_TOO_LARGE: 'IMAGE_TOO_LARGE',
};

export function toCatalogueError(err: unknown): unknown {
  if (err instanceof VisionInputError) return new IntelliOpticsError(INPUT_CODES[err.code], err.message);
  if (err instanceof ModelPackageError)
    return new IntelliOpticsError('MODEL_NOT_FOUND', `No loadable model: ${err.message}`);
  return err;
}
