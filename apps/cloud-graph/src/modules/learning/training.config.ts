/** The training worker's settings, parsed once from the env (LEARNING_*), with defaults; EnvError lists every problem. */
import { hostname } from 'node:os';
import { z } from 'zod';
import { parseEnvWith } from '@intellioptics/schema';
import {
  DEFAULT_PROMOTION_CONFIG,
  DEFAULT_RECURSIVE_TRAIN,
  DEFAULT_RETRAIN_TRIGGER,
  type PromotionConfig,
  type RetrainTriggerConfig,
  type TrainOptions,
} from '@intellioptics/learning';

export interface TrainingWorkerConfig {
  workerId: string;
  /** How long a job stays ours without a heartbeat (beats go on while a training thread runs). */
  leaseSeconds: number;
  pollMs: number;
  maxAttempts: number;
  embedBatch: number;
  trigger: RetrainTriggerConfig;
  promotion: PromotionConfig;
  train: TrainOptions;
}

const Raw = z.object({
  LEARNING_WORKER_ID: z.string().min(1).optional(),
  LEARNING_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(300),
  LEARNING_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(2000),
  LEARNING_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  LEARNING_MIN_LABELS_PER_CLASS: z.coerce
    .number()
    .int()
    .min(2)
    .max(1000)
    .default(DEFAULT_RETRAIN_TRIGGER.minLabelsPerClass),
  LEARNING_MIN_NEW_LABELS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(DEFAULT_RETRAIN_TRIGGER.minNewLabels),
  LEARNING_QUIET_MS: z.coerce.number().int().min(0).max(86_400_000).default(DEFAULT_RETRAIN_TRIGGER.quietMs),
  LEARNING_MAX_DELAY_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400_000)
    .default(DEFAULT_RETRAIN_TRIGGER.maxDelayMs),
  LEARNING_FIRST_VERSION_AT_ONCE: z.enum(['true', 'false']).default('true'),
  LEARNING_RECURSIVE_EPOCHS: z.coerce.number().int().min(1).max(500).default(DEFAULT_RECURSIVE_TRAIN.epochs),
});

export function trainingWorkerConfig(
  source: Record<string, string | undefined> = process.env,
  over: Partial<TrainingWorkerConfig> = {},
): TrainingWorkerConfig {
  const e = parseEnvWith(
    Raw,
    Object.fromEntries(Object.entries(source).filter(([k]) => k.startsWith('LEARNING_'))),
  );
  return {
    workerId: e.LEARNING_WORKER_ID ?? `${hostname()}:${process.pid}`,
    leaseSeconds: e.LEARNING_LEASE_SECONDS,
    pollMs: e.LEARNING_POLL_MS,
    maxAttempts: e.LEARNING_MAX_ATTEMPTS,
    embedBatch: 16,
    trigger: {
      ...DEFAULT_RETRAIN_TRIGGER,
      minLabelsPerClass: e.LEARNING_MIN_LABELS_PER_CLASS,
      minNewLabels: e.LEARNING_MIN_NEW_LABELS,
      quietMs: e.LEARNING_QUIET_MS,
      maxDelayMs: e.LEARNING_MAX_DELAY_MS,
      firstVersionImmediately: e.LEARNING_FIRST_VERSION_AT_ONCE === 'true',
    },
    promotion: { ...DEFAULT_PROMOTION_CONFIG },
    train: { recursive: { epochs: e.LEARNING_RECURSIVE_EPOCHS } },
    ...over,
  };
}
