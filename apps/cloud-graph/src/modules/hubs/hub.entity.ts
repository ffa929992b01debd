import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export interface ServedDetector {
  detectorId: string;
  primaryVersion: number | null;
  ooddVersion: number | null;
}

/** One heartbeat's view of the edge's answer latency over the interval since its previous heartbeat. */
export interface LatencySample {
  at: string;
  /** Answers in the interval. */
  count: number;
  /** Null when the interval had no answer. */
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** Latency samples kept per hub (a day at one heartbeat per 5 minutes; 4 h at the 60 s default). */
export const MAX_LATENCY_SAMPLES = 288;

/** An edge device. Its token is stored as a sha256 hash. */
export const Hub = defineEntity({
  name: 'Hub',
  tableName: 'hubs',
  properties: {
    id: p.string().primary(),
    name: p.string().length(200).unique(),
    tokenHash: p.string().length(64).unique(),
    tokenSnippet: p.string().length(20),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastHeartbeatAt: p.datetime().nullable(),
    servedDetectors: p.json<ServedDetector[]>(),
    counters: p.json<Record<string, number>>(),
    /** The detectors this hub may see and use; null: every detector (hubs from before assignments). */
    assignedDetectorIds: p.json<string[]>().nullable(),
    /** Newest last, at most MAX_LATENCY_SAMPLES (the fleet page's latency chart). */
    latencySamples: p.json<LatencySample[]>().default('[]'),
  },
});
export type HubEntity = InferEntity<typeof Hub>;
