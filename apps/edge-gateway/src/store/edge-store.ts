/**
 * The edge's durable state, one repository per table (see edge-database.ts for durability). Every accepted
 * image query, the escalation outbox, and the caches that let the edge work offline after a restart.
 */
import { DetectorCacheRepository } from './detector-cache.repository';
import { EdgeDatabase, type Durability } from './edge-database';
import { ExplanationRepository } from './explanation.repository';
import { ImageQueryRepository } from './image-query.repository';
import { ImageRepository } from './image.repository';
import { KvRepository } from './kv.repository';
import { OutboxRepository } from './outbox.repository';
import { RetentionRepository } from './retention.repository';
import { TokenCacheRepository } from './token-cache.repository';

export interface EdgeStore {
  imageQueries: ImageQueryRepository;
  images: ImageRepository;
  outbox: OutboxRepository;
  detectors: DetectorCacheRepository;
  tokens: TokenCacheRepository;
  kv: KvRepository;
  retention: RetentionRepository;
  /** The database itself, for feature modules with their own tables (alerts). */
  db: EdgeDatabase;
  explanations: ExplanationRepository;
  /** Escalations not yet delivered or refused (kept in memory; /metrics and health read it often). */
  pendingOutboxCount(): number;
  close(): Promise<void>;
}

export async function openEdgeStore(
  dir: string,
  durability: Durability,
  bounds: { tokenCacheMax?: number; detectorCacheMax?: number } = {},
): Promise<EdgeStore> {
  const db = await EdgeDatabase.open(dir, durability);
  const images = new ImageRepository(db);
  const outbox = new OutboxRepository(db);
  await outbox.init();
  return {
    imageQueries: new ImageQueryRepository(db, outbox),
    images,
    outbox,
    detectors: new DetectorCacheRepository(db, bounds.detectorCacheMax),
    tokens: new TokenCacheRepository(db, bounds.tokenCacheMax),
    kv: new KvRepository(db),
    retention: new RetentionRepository(db),
    db,
    explanations: new ExplanationRepository(db),
    pendingOutboxCount: () => outbox.pendingCount(),
    close: () => db.close(),
  };
}
