import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export interface ServedDetector {
  detectorId: string;
  primaryVersion: number | null;
  ooddVersion: number | null;
}

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
  },
});
export type HubEntity = InferEntity<typeof Hub>;
