/**
 * Environment, parsed once into a nested typed object (zod). Every variable is documented in `.env.example`
 * and the README's Configuration table. `loadEnv` caches; `resetEnv` is for tests; `parseEnv` throws an
 * EnvError listing every problem at once.
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { EnvError, parseEnvWith } from '@intellioptics/schema';
import { z } from 'zod';

export { EnvError };

const bool = z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const seconds = (def: number, max = 86_400 * 365) => z.coerce.number().min(0).max(max).default(def);
const millis = (def: number, max = 600_000) => z.coerce.number().int().min(1).max(max).default(def);

const RawEnvSchema = z.object({
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8718),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  IO_HOME: z.string().min(1).optional(),
  INFERENCE_URL: z.url().default('http://127.0.0.1:8001'),
  INFERENCE_TIMEOUT_MS: millis(8000),
  INFERENCE_MAX_SOCKETS: z.coerce.number().int().min(1).max(1024).default(64),
  INFERENCE_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(32),
  INFERENCE_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  INFERENCE_BREAKER_OPEN_S: seconds(10, 3600),
  CLOUD_URL: z.url().default('http://127.0.0.1:8000'),
  CLOUD_TIMEOUT_MS: millis(3000),
  SYNC_ESCALATION_TIMEOUT_MS: millis(6000, 9000),
  EDGE_API_TOKEN: z.string().min(1).optional(),
  EDGE_HUB_TOKEN: z.string().min(1).optional(),
  EDGE_HUB_NAME: z.string().min(1).optional(),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  MAX_IMAGE_PIXELS: z.coerce.number().int().min(1).default(40_000_000),
  DETECTOR_REFRESH_S: seconds(60),
  // At most 60 s: a token revoked in the cloud must stop working at the edge within a minute.
  TOKEN_REVALIDATE_S: seconds(30, 60),
  AUTH_OFFLINE_UNKNOWN_TOKENS: z.enum(['accept', 'reject']).default('reject'),
  AUTH_OFFLINE_TRUST_S: seconds(86_400),
  TOKEN_CACHE_MAX: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  DETECTOR_CACHE_MAX: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  STREAM_URL_ENV_ALLOWLIST: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name'))),
  STATE_DURABILITY: z.enum(['process', 'power']).default('process'),
  RETENTION_DAYS: seconds(7, 3650),
  RETENTION_MAX_ROWS: z.coerce.number().int().min(100).default(200_000),
  RETENTION_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .default(2 * 1024 * 1024 * 1024),
  RETENTION_PURGE_INTERVAL_S: seconds(300),
  OUTBOX_IDLE_POLL_MS: millis(1000),
  OUTBOX_BACKOFF_MAX_S: seconds(30, 3600),
  OUTBOX_SEND_TIMEOUT_MS: millis(15_000),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10_000).default(8),
  OUTBOX_MAX_PENDING_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .default(1024 * 1024 * 1024),
  OUTBOX_MAX_PENDING_AGE_S: seconds(7 * 86_400),
  IQ_REFRESH_INTERVAL_S: seconds(2),
  MODEL_UPDATES: bool.default(true),
  MODEL_POLL_FALLBACK_S: seconds(60),
  HEARTBEAT_INTERVAL_S: seconds(30),
  CONFIG_RELOAD_DEBOUNCE_MS: millis(200),
  SHUTDOWN_GRACE_MS: millis(5000),
  ALERT_WEBHOOK_SECRET: z.string().min(16).optional(),
  ALERT_MQTT_URL: z.url().optional(),
  ALERT_MQTT_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_\-/]+$/)
    .default('intellioptics'),
  ALERT_MQTT_DISCOVERY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_\-/]+$/)
    .default('homeassistant'),
  ALERT_RULES_REFRESH_S: seconds(30, 86_400),
  ALERT_RETRY_MAX_S: seconds(300, 86_400),
  ALERT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1_000_000).default(2000),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  GRAPHQL_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ }))),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  GRAPHQL_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),
});

export type RawEnv = z.input<typeof RawEnvSchema>;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Env {
  http: { host: string; port: number; maxBodyBytes: number; maxImagePixels: number };
  log: { level: LogLevel };
  paths: { ioHome: string; configFile: string; stateDir: string; modelsDir: string };
  inference: {
    url: string;
    timeoutMs: number;
    maxSockets: number;
    maxInFlight: number;
    breakerFailures: number;
    breakerOpenMs: number;
  };
  cloud: { url: string; timeoutMs: number; syncEscalationTimeoutMs: number; edgeApiToken: string | null };
  hub: { token: string | null; name: string; heartbeatIntervalS: number };
  detectors: { refreshS: number; cacheMax: number };
  auth: {
    revalidateS: number;
    offlineUnknownTokens: 'accept' | 'reject';
    offlineTrustS: number;
    tokenCacheMax: number;
  };
  streams: { urlEnvAllowlist: string[] };
  state: {
    durability: 'process' | 'power';
    retentionDays: number;
    retentionMaxRows: number;
    retentionMaxBytes: number;
    purgeIntervalS: number;
  };
  outbox: {
    idlePollMs: number;
    backoffMaxS: number;
    sendTimeoutMs: number;
    iqRefreshIntervalS: number;
    maxAttempts: number;
    maxPendingBytes: number;
    maxPendingAgeS: number;
  };
  models: { updates: boolean; pollFallbackS: number };
  config: { reloadDebounceMs: number };
  /** Cross-origin pages allowed to call /graphql (none by default); GraphiQL only in development. */
  graphql: { corsOrigins: string[]; maxBodyBytes: number; graphiql: boolean };
  /** `/metrics` takes `Authorization: Bearer <token>` (a scraper) besides an API token. */
  metrics: { token: string | null };
  shutdownGraceMs: number;
  alerts: {
    webhookSecret: string | null;
    mqtt: { url: string; topicPrefix: string; discoveryPrefix: string } | null;
    rulesRefreshS: number;
    retryMaxS: number;
    maxAttempts: number;
  };
}

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..', '..');

/** Parse an environment (default: process.env) into the typed config; throws EnvError listing every problem. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const e = parseEnvWith(RawEnvSchema, source);
  const ioHome = resolve(e.IO_HOME ?? join(REPO_ROOT, '.io-home'));
  return {
    http: { host: e.HOST, port: e.PORT, maxBodyBytes: e.MAX_BODY_BYTES, maxImagePixels: e.MAX_IMAGE_PIXELS },
    log: { level: e.LOG_LEVEL },
    paths: {
      ioHome,
      configFile: join(ioHome, 'config', 'edge-config.yaml'),
      stateDir: join(ioHome, 'state'),
      modelsDir: join(ioHome, 'models'),
    },
    inference: {
      url: e.INFERENCE_URL.replace(/\/+$/, ''),
      timeoutMs: e.INFERENCE_TIMEOUT_MS,
      maxSockets: e.INFERENCE_MAX_SOCKETS,
      maxInFlight: e.INFERENCE_MAX_IN_FLIGHT,
      breakerFailures: e.INFERENCE_BREAKER_FAILURES,
      breakerOpenMs: e.INFERENCE_BREAKER_OPEN_S * 1000,
    },
    cloud: {
      url: e.CLOUD_URL.replace(/\/+$/, ''),
      timeoutMs: e.CLOUD_TIMEOUT_MS,
      syncEscalationTimeoutMs: e.SYNC_ESCALATION_TIMEOUT_MS,
      edgeApiToken: e.EDGE_API_TOKEN ?? null,
    },
    hub: {
      token: e.EDGE_HUB_TOKEN ?? null,
      name: e.EDGE_HUB_NAME ?? hostname(),
      heartbeatIntervalS: e.HEARTBEAT_INTERVAL_S,
    },
    detectors: { refreshS: e.DETECTOR_REFRESH_S, cacheMax: e.DETECTOR_CACHE_MAX },
    auth: {
      revalidateS: e.TOKEN_REVALIDATE_S,
      offlineUnknownTokens: e.AUTH_OFFLINE_UNKNOWN_TOKENS,
      offlineTrustS: e.AUTH_OFFLINE_TRUST_S,
      tokenCacheMax: e.TOKEN_CACHE_MAX,
    },
    streams: { urlEnvAllowlist: e.STREAM_URL_ENV_ALLOWLIST },
    state: {
      durability: e.STATE_DURABILITY,
      retentionDays: e.RETENTION_DAYS,
      retentionMaxRows: e.RETENTION_MAX_ROWS,
      retentionMaxBytes: e.RETENTION_MAX_BYTES,
      purgeIntervalS: e.RETENTION_PURGE_INTERVAL_S,
    },
    outbox: {
      idlePollMs: e.OUTBOX_IDLE_POLL_MS,
      backoffMaxS: e.OUTBOX_BACKOFF_MAX_S,
      sendTimeoutMs: e.OUTBOX_SEND_TIMEOUT_MS,
      iqRefreshIntervalS: e.IQ_REFRESH_INTERVAL_S,
      maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      maxPendingBytes: e.OUTBOX_MAX_PENDING_BYTES,
      maxPendingAgeS: e.OUTBOX_MAX_PENDING_AGE_S,
    },
    models: { updates: e.MODEL_UPDATES, pollFallbackS: e.MODEL_POLL_FALLBACK_S },
    config: { reloadDebounceMs: e.CONFIG_RELOAD_DEBOUNCE_MS },
    graphql: {
      corsOrigins: e.GRAPHQL_CORS_ORIGINS,
      maxBodyBytes: e.GRAPHQL_MAX_BODY_BYTES,
      graphiql: e.NODE_ENV === 'development',
    },
    metrics: { token: e.METRICS_TOKEN ?? null },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    alerts: {
      webhookSecret: e.ALERT_WEBHOOK_SECRET ?? null,
      mqtt: e.ALERT_MQTT_URL
        ? {
            url: e.ALERT_MQTT_URL,
            topicPrefix: e.ALERT_MQTT_TOPIC_PREFIX.replace(/\/+$/, ''),
            discoveryPrefix: e.ALERT_MQTT_DISCOVERY_PREFIX.replace(/\/+$/, ''),
          }
        : null,
      rulesRefreshS: e.ALERT_RULES_REFRESH_S,
      retryMaxS: e.ALERT_RETRY_MAX_S,
      maxAttempts: e.ALERT_MAX_ATTEMPTS,
    },
  };
}

let cached: Env | null = null;

/** The process environment, parsed once. */
export function loadEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Forget the cached environment (tests). */
export function resetEnv(): void {
  cached = null;
}
