/**
 * `pipeline_config.yaml`: how an image becomes the backbone's input tensor. Every model package carries one;
 * packages whose heads share a backbone must agree with the backbone's own config (checked on load).
 */
import { parse, stringify } from 'yaml';

export type ResizeMode = 'fill' | 'cover' | 'contain';
export type ChannelOrder = 'RGB' | 'BGR';
/** unit: x/255 → [0,1] (what the MobileNetV2 graph expects; it does ×2−1 itself); signed: x/127.5 − 1. */
export type Scaling = 'unit' | 'signed';

export interface PipelineConfig {
  version: 1;
  image: {
    width: number;
    height: number;
    resize_mode: ResizeMode;
    channel_order: ChannelOrder;
    scaling: Scaling;
    layout: 'NCHW';
    auto_orient: boolean;
  };
  limits: { max_input_pixels: number };
}

export const DEFAULT_MAX_INPUT_PIXELS = 50_000_000;

export const DEFAULT_PIPELINE_CONFIG: PipelineConfig = {
  version: 1,
  image: {
    width: 224,
    height: 224,
    resize_mode: 'fill',
    channel_order: 'RGB',
    scaling: 'unit',
    layout: 'NCHW',
    auto_orient: true,
  },
  limits: { max_input_pixels: DEFAULT_MAX_INPUT_PIXELS },
};

const oneOf = <T extends string>(v: unknown, allowed: readonly T[], field: string): T => {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new Error(
    `pipeline_config: ${field} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`,
  );
};
const posInt = (v: unknown, field: string): number => {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  throw new Error(`pipeline_config: ${field} must be a positive integer (got ${JSON.stringify(v)})`);
};

/** Validates a parsed object; missing optional fields take the defaults. Throws Error with the field name. */
export function parsePipelineConfig(input: unknown): PipelineConfig {
  if (typeof input !== 'object' || input === null) throw new Error('pipeline_config: not a mapping');
  const o = input as { version?: unknown; image?: Record<string, unknown>; limits?: Record<string, unknown> };
  if (o.version !== undefined && o.version !== 1)
    throw new Error(`pipeline_config: unsupported version ${JSON.stringify(o.version)}`);
  const img = o.image ?? {};
  const d = DEFAULT_PIPELINE_CONFIG.image;
  return {
    version: 1,
    image: {
      width: posInt(img.width ?? d.width, 'image.width'),
      height: posInt(img.height ?? d.height, 'image.height'),
      resize_mode: oneOf(
        img.resize_mode ?? d.resize_mode,
        ['fill', 'cover', 'contain'] as const,
        'image.resize_mode',
      ),
      channel_order: oneOf(
        img.channel_order ?? d.channel_order,
        ['RGB', 'BGR'] as const,
        'image.channel_order',
      ),
      scaling: oneOf(img.scaling ?? d.scaling, ['unit', 'signed'] as const, 'image.scaling'),
      layout: oneOf(img.layout ?? d.layout, ['NCHW'] as const, 'image.layout'),
      auto_orient: (img.auto_orient ?? d.auto_orient) !== false,
    },
    limits: {
      max_input_pixels: posInt(
        o.limits?.max_input_pixels ?? DEFAULT_PIPELINE_CONFIG.limits.max_input_pixels,
        'limits.max_input_pixels',
      ),
    },
  };
}

export function pipelineConfigFromYaml(text: string): PipelineConfig {
  return parsePipelineConfig(parse(text));
}

export function pipelineConfigToYaml(config: PipelineConfig): string {
  return (
    '# Preprocessing for the backbone input (see libs/vision). resize_mode: fill | cover | contain;\n' +
    '# scaling: unit = x/255, signed = x/127.5-1; layout NCHW float32.\n' +
    stringify(config)
  );
}

/** True when two configs produce the same tensor for the same image (limits may differ). */
export function sameImageTransform(a: PipelineConfig, b: PipelineConfig): boolean {
  return JSON.stringify(a.image) === JSON.stringify(b.image);
}
