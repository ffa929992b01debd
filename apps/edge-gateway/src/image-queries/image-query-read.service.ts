/**
 * `GET /image-queries/{id}` and `/image` from the local store: an image query the edge made is never a 404
 * while the cloud catches up. For an escalated one that may still change, the cloud's answer is pulled (at
 * most once a second per id, besides the background refresh) so a human label shows up here.
 */
import { IntelliOpticsError } from '@intellioptics/schema';
import type { AnswerRefresher } from '../escalation/answer-refresher';
import type { ImageQueryRepository } from '../store/image-query.repository';
import type { ImageRepository, StoredImage } from '../store/image.repository';

const REFRESH_ON_READ_MS = 1000;

export interface ImageQueryReadServiceDeps {
  imageQueries: Pick<ImageQueryRepository, 'get'>;
  images: Pick<ImageRepository, 'forImageQuery'>;
  refresher: Pick<AnswerRefresher, 'refreshOne'>;
  now?: () => number;
}

export class ImageQueryReadService {
  constructor(private readonly deps: ImageQueryReadServiceDeps) {}

  /** The JSON text of the image query. */
  async get(id: string): Promise<string> {
    const stored = await this.deps.imageQueries.get(id);
    if (!stored) throw notFound(id);
    const now = (this.deps.now ?? Date.now)();
    if (
      !stored.final &&
      stored.escalation === 'delivered' &&
      (stored.refreshedAt === null || now - stored.refreshedAt >= REFRESH_ON_READ_MS)
    ) {
      const fresh = await this.deps.refresher.refreshOne(id, stored.json);
      if (fresh) return fresh;
    }
    return stored.json;
  }

  async image(id: string): Promise<StoredImage> {
    const image = await this.deps.images.forImageQuery(id);
    if (!image) throw notFound(id);
    return image;
  }
}

function notFound(id: string): IntelliOpticsError {
  return new IntelliOpticsError('IMAGE_QUERY_NOT_FOUND', `No image query has the id ${id} on this edge.`);
}
