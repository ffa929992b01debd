/**
 * `GET /image-queries/{id}` and `/image` from the local store: an image query the edge made is never a 404
 * while the cloud catches up. For an escalated one that may still change, the cloud's answer is pulled (at
 * most once a second per id, besides the background refresh) so a human label shows up here.
 */
import { IntelliOpticsError } from '@intellioptics/schema';
import type { OutboxWorker } from '../escalation/outbox.worker';
import type { StateStore } from '../store/state.store';

const REFRESH_ON_READ_MS = 1000;

export class ImageQueryReadService {
  constructor(private readonly deps: { store: StateStore; outbox: OutboxWorker; now?: () => number }) {}

  /** The JSON text of the image query. */
  async get(id: string): Promise<string> {
    const stored = await this.deps.store.getImageQuery(id);
    if (!stored)
      throw new IntelliOpticsError('IMAGE_QUERY_NOT_FOUND', `No image query has the id ${id} on this edge.`);
    const now = (this.deps.now ?? Date.now)();
    if (
      !stored.final &&
      stored.escalation === 'delivered' &&
      (stored.refreshedAt === null || now - stored.refreshedAt >= REFRESH_ON_READ_MS)
    ) {
      const fresh = await this.deps.outbox.refreshOne(id, stored.json);
      if (fresh) return fresh;
    }
    return stored.json;
  }

  async image(id: string): Promise<{ bytes: Buffer; contentType: string }> {
    const image = await this.deps.store.readImage(id);
    if (!image)
      throw new IntelliOpticsError('IMAGE_QUERY_NOT_FOUND', `No image query has the id ${id} on this edge.`);
    return image;
  }
}
