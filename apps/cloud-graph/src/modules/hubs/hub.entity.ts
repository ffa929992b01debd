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

/** An escalation the edge set aside (its dead-letter list), as its last heartbeat reported it. */
export interface HubDeadLetter {
  /** The image query's id. */
  id: string;
  detectorId: string;
  /** Why: CONFLICT, REFUSED, MAX_ATTEMPTS or IMAGE_MISSING (the edge's dead-letter causes). */
  cause: string;
  /** When it was set aside (ISO 8601). */
  since: string;
}

/** Dead letters listed per heartbeat (the count covers them all). */
export const MAX_REPORTED_DEAD_LETTERS = 20;

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
    /** Dead letters at the edge as of its last heartbeat: how many, and the newest MAX_REPORTED_DEAD_LETTERS. */
    deadLetterCount: p.integer().default(0),
    deadLetters: p.json<HubDeadLetter[]>().default('[]'),
  },
});
export type HubEntity = InferEntity<typeof Hub>;
