/**
 * Every environment variable of the inference service, parsed once with zod into a nested typed object.
 * Fails fast listing every invalid variable (EnvError); unset and empty variables take the defaults. Documented in ../../README.md and ../../.env.example.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnvWith } from '@intellioptics/schema';
import { z } from 'zod';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const csv = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

const EnvSchema = z.object({
  IO_HOME: z.string().min(1).default(path.join(REPO_ROOT, '.io-home')),
  IO_CACHE_DIR: z.string().min(1).optional(),
  INFERENCE_HOST: z.string().min(1).default('0.0.0.0'),
  INFERENCE_PORT: int(8001),
  INFERENCE_HEALTH_PORT: int(8081),
  INFERENCE_MAX_LOADED_DETECTORS: int(5, 1),
  INFERENCE_PINNED_DETECTORS: csv,
  INFERENCE_MODEL_POLL_MS: int(1000, 50),
  INFERENCE_MAX_BODY_BYTES: int(20 * 1024 * 1024, 1024),
  INFERENCE_MAX_INPUT_PIXELS: int(50_000_000, 1),
  INFERENCE_MAX_BATCH: int(1, 1),
  INFERENCE_INTRA_OP_THREADS: int(0),
  INFERENCE_SHUTDOWN_GRACE_MS: int(10_000),
  INFERENCE_PRELOAD_BUILTIN: z
    .enum(['', 'none', 'coco', 'ocr', 'all'])
    .default('')
    .transform((v) => ({ coco: v === 'coco' || v === 'all', ocr: v === 'ocr' || v === 'all' })),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface InferenceConfig {
  ioHome: string;
  modelsDir: string;
  cacheDir: string | undefined;
  http: { host: string; port: number; healthPort: number; maxBodyBytes: number; shutdownGraceMs: number };
  models: { maxLoaded: number; pinned: string[]; pollMs: number };
  vision: { maxInputPixels: number; maxBatch: number; intraOpThreads: number };
  /** Built-in models loaded before the service reports ready (else on first use). */
  preloadBuiltin: { coco: boolean; ocr: boolean };
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
}

export { EnvError } from '@intellioptics/schema';

export function parseEnv(env: NodeJS.ProcessEnv): InferenceConfig {
  const e = parseEnvWith(EnvSchema, env);
  const ioHome = path.resolve(e.IO_HOME);
  return {
    ioHome,
    modelsDir: path.join(ioHome, 'models'),
    cacheDir: e.IO_CACHE_DIR,
    http: {
      host: e.INFERENCE_HOST,
      port: e.INFERENCE_PORT,
      healthPort: e.INFERENCE_HEALTH_PORT,
      maxBodyBytes: e.INFERENCE_MAX_BODY_BYTES,
      shutdownGraceMs: e.INFERENCE_SHUTDOWN_GRACE_MS,
    },
    models: {
      maxLoaded: e.INFERENCE_MAX_LOADED_DETECTORS,
      pinned: e.INFERENCE_PINNED_DETECTORS,
      pollMs: e.INFERENCE_MODEL_POLL_MS,
    },
    vision: {
      maxInputPixels: e.INFERENCE_MAX_INPUT_PIXELS,
      maxBatch: e.INFERENCE_MAX_BATCH,
      intraOpThreads: e.INFERENCE_INTRA_OP_THREADS,
    },
    preloadBuiltin: e.INFERENCE_PRELOAD_BUILTIN,
    logLevel: e.LOG_LEVEL,
  };
}

let cached: InferenceConfig | undefined;
/** The process's config, parsed on first use. */
export function getConfig(): InferenceConfig {
  cached ??= parseEnv(process.env);
  return cached;
}
/** For tests. */
export function resetConfig(): void {
  cached = undefined;
}
