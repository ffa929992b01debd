/**
 * Environment, parsed once into a nested typed object. Every variable is listed in `.env.example` and the
 * README's Configuration table. `loadEnv` fails fast listing every problem; `resetEnv` is for tests.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { EnvError, parseEnvWith } from '@intellioptics/schema';

export { EnvError };

const bool = z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true');

/** Template values people forget to replace (`change-me…`, `io_change_me_…`, `AccountKey=...`). */
const PLACEHOLDER = /change[-_ ]?me|replace[-_ ]?me|placeholder|example|<[^>]*>|\.\.\.|…/i;
const HOW = 'set a long random value, e.g. `openssl rand -hex 32`';

/** A secret: at least `min` characters and not a template placeholder. */
const secret = (min: number) =>
  z
    .string()
    .min(min)
    .refine((v) => !PLACEHOLDER.test(v), { message: `looks like a placeholder: ${HOW}` });

const RawEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  IO_HOME: z.string().min(1).optional(),
  DATABASE_URL: z.url().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DATABASE_DEBUG: bool.default(false),
  PGLITE_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  BLOB_BACKEND: z.enum(['local', 'azure']).optional(),
  BLOB_DIR: z.string().min(1).optional(),
  BLOB_SIGNING_SECRET: secret(16).optional(),
  AZURE_STORAGE_CONNECTION_STRING: z.string().min(1).optional(),
  AZURE_STORAGE_CONTAINER: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/, 'lowercase letters, digits and dashes, 3-63 chars')
    .default('intellioptics'),
  SIGNED_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
  REDIS_URL: z.url().optional(),
  IO_BOOTSTRAP_TOKEN: secret(20).optional(),
  API_TOKEN_TTL_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
  AUTH_RECHECK_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  ESCALATION_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  ESCALATION_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  HUB_OFFLINE_AFTER_SECONDS: z.coerce.number().int().min(5).max(86_400).default(90),
  LEARNING_IN_PROCESS: bool.default(true),
  METRICS_TOKEN: secret(16).optional(),
  MAX_IMAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(10 * 1024 * 1024),
});

export type RawEnv = z.input<typeof RawEnvSchema>;

export type DatabaseConfig =
  | { kind: 'postgres'; url: string; poolMax: number; debug: boolean }
  | { kind: 'embedded'; dataDir: string; port: number; poolMax: number; debug: boolean };

export type BlobConfig =
  | { kind: 'local'; dir: string; signingSecret: string | null; ttlSeconds: number }
  | { kind: 'azure'; connectionString: string; container: string; ttlSeconds: number };

export interface Env {
  nodeEnv: 'development' | 'test' | 'production';
  http: { host: string; port: number; publicUrl: string | null; maxImageBytes: number };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  ioHome: string;
  database: DatabaseConfig;
  blob: BlobConfig;
  redis: { url: string } | null;
  auth: {
    bootstrapToken: string | null;
    /** Lifetime of new user API tokens in days; 0 = they never expire. */
    tokenTtlDays: number;
    /** How often open graphql-ws sessions re-check their token (revoked, expired, user disabled → closed). */
    recheckIntervalMs: number;
  };
  escalations: { leaseSeconds: number; sweepIntervalMs: number };
  hubs: { offlineAfterSeconds: number };
  /** Run the training worker inside this process (the embedded default); off when workers run apart. */
  learning: { inProcess: boolean };
  /** `/metrics` (API and worker) wants `Authorization: Bearer <token>` when set; open to the network otherwise. */
  metrics: { token: string | null };
}

/** Parse an environment (default: process.env) into the typed config; throws EnvError listing every problem. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const e = parseEnvWith(RawEnvSchema, source);
  const problems: string[] = [];
  const ioHome = resolve(e.IO_HOME ?? '.io-home');
  const backend = e.BLOB_BACKEND ?? (e.AZURE_STORAGE_CONNECTION_STRING ? 'azure' : 'local');
  let blob: BlobConfig;
  if (backend === 'azure') {
    if (!e.AZURE_STORAGE_CONNECTION_STRING)
      problems.push('AZURE_STORAGE_CONNECTION_STRING: required when BLOB_BACKEND=azure');
    blob = {
      kind: 'azure',
      connectionString: e.AZURE_STORAGE_CONNECTION_STRING ?? '',
      container: e.AZURE_STORAGE_CONTAINER,
      ttlSeconds: e.SIGNED_URL_TTL_SECONDS,
    };
  } else {
    if (e.NODE_ENV === 'production' && !e.BLOB_SIGNING_SECRET) {
      problems.push('BLOB_SIGNING_SECRET: required in production with the local blob store');
    } else if (e.NODE_ENV === 'production' && e.BLOB_SIGNING_SECRET && e.BLOB_SIGNING_SECRET.length < 32) {
      problems.push(`BLOB_SIGNING_SECRET: at least 32 characters in production; ${HOW}`);
    }
    blob = {
      kind: 'local',
      dir: resolve(e.BLOB_DIR ?? `${ioHome}/cloud/blobs`),
      signingSecret: e.BLOB_SIGNING_SECRET ?? null,
      ttlSeconds: e.SIGNED_URL_TTL_SECONDS,
    };
  }
  if (e.DATABASE_URL && PLACEHOLDER.test(decodeURIComponentSafe(new URL(e.DATABASE_URL).password))) {
    problems.push(`DATABASE_URL: its password is a placeholder; ${HOW}`);
  }
  if (
    e.AZURE_STORAGE_CONNECTION_STRING &&
    /AccountKey=(\.\.\.|…|<|change)/i.test(e.AZURE_STORAGE_CONNECTION_STRING)
  ) {
    problems.push('AZURE_STORAGE_CONNECTION_STRING: its AccountKey is a placeholder; paste the account key');
  }
  if (problems.length > 0) throw new EnvError(problems);
  return {
    nodeEnv: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, '') ?? null,
      maxImageBytes: e.MAX_IMAGE_BYTES,
    },
    log: { level: e.LOG_LEVEL },
    ioHome,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, debug: e.DATABASE_DEBUG }
      : {
          kind: 'embedded',
          dataDir: `${ioHome}/cloud/pgdata`,
          port: e.PGLITE_PORT,
          poolMax: e.DATABASE_POOL_MAX,
          debug: e.DATABASE_DEBUG,
        },
    blob,
    redis: e.REDIS_URL ? { url: e.REDIS_URL } : null,
    auth: {
      bootstrapToken: e.IO_BOOTSTRAP_TOKEN ?? null,
      tokenTtlDays: e.API_TOKEN_TTL_DAYS,
      recheckIntervalMs: e.AUTH_RECHECK_INTERVAL_MS,
    },
    escalations: {
      leaseSeconds: e.ESCALATION_LEASE_SECONDS,
      sweepIntervalMs: e.ESCALATION_SWEEP_INTERVAL_MS,
    },
    hubs: { offlineAfterSeconds: e.HUB_OFFLINE_AFTER_SECONDS },
    learning: { inProcess: e.LEARNING_IN_PROCESS },
    metrics: { token: e.METRICS_TOKEN ?? null },
  };
}

function decodeURIComponentSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

let cached: Env | undefined;

/** The process environment, parsed once. */
export function loadEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

export function resetEnv(): void {
  cached = undefined;
}
