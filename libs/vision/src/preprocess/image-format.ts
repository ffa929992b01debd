/**
 * Image format sniffing lives in @intellioptics/schema (image-inspect.ts), shared with the edge and the cloud;
 * these are its names as libs/vision has used them.
 */
export {
  sniffImageFormat,
  isSupportedImageFormat as isSupportedFormat,
  SUPPORTED_IMAGE_FORMATS as SUPPORTED_FORMATS,
  type ImageFormat,
  type SupportedImageFormat as SupportedFormat,
} from '@intellioptics/schema';
