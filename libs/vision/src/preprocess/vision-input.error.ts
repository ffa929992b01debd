export type VisionInputErrorCode =
  'NOT_AN_IMAGE' | 'UNSUPPORTED_IMAGE_FORMAT' | 'CORRUPT_IMAGE' | 'IMAGE_TOO_LARGE' | 'EMPTY_IMAGE';

/** A problem with the caller's image (a 4xx, never a 5xx): the message says what to send instead. */
export class VisionInputError extends Error {
  override readonly name = 'VisionInputError';
  constructor(
    readonly code: VisionInputErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
