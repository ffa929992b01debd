/**
 * `GET /image-queries/{id}` and `/image` from the local store: an image query the edge made is never a 404
 * while the cloud catches up. For an escalated one that may still change, the cloud's answer is pulled (at
 * most once a second per id, besides the background refresh) so a human label shows up here.
 */
import { isFinalCloudAnswer, withLaterAnswer } from '@intellioptics/decision';
import { IntelliOpticsError, type Explanation, type ImageQuery } from '@intellioptics/schema';
import type { AnswerRefresher } from '../escalation/answer-refresher';
import type { ExplanationRepository } from '../store/explanation.repository';
import type { ImageQueryRepository } from '../store/image-query.repository';
import type { ImageRepository, StoredImage } from '../store/image.repository';

const REFRESH_ON_READ_MS = 1000;

export interface ImageQueryReadServiceDeps {
  imageQueries: Pick<ImageQueryRepository, 'get' | 'update' | 'recentForDetector'>;
  images: Pick<ImageRepository, 'forImageQuery'>;
  explanations: Pick<ExplanationRepository, 'get'>;
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

  /**
   * The cloud's image query after a change made through this edge (a label): stored over the edge's copy at
   * once, so the next `GET /image-queries/{id}` here shows it. False when this edge never made that query.
   */
  async applyCloudAnswer(iq: ImageQuery): Promise<boolean> {
    const stored = await this.deps.imageQueries.get(iq.id);
    if (!stored) return false;
    const now = (this.deps.now ?? Date.now)();
    await this.deps.imageQueries.update(iq.id, JSON.stringify(iq), isFinalCloudAnswer(iq), now);
    return true;
  }

  /** The JSON of this edge's newest image queries of a detector, newest first. */
  async recent(detectorId: string, limit: number): Promise<ImageQuery[]> {
    const rows = await this.deps.imageQueries.recentForDetector(detectorId, limit);
    return rows.map((r) => JSON.parse(r.json) as ImageQuery);
  }

  /**
   * `GET /image-queries/{id}/explanation`: the stored explanation as of the current answer (a cloud answer or
   * a reviewer's label pulled since adds its step). Not held here: 404, which the router replays to the cloud.
   */
  async explanation(id: string): Promise<Explanation> {
    const explanation = await this.deps.explanations.get(id);
    if (!explanation) throw notFound(id);
    const json = await this.get(id).catch(() => null);
    return withLaterAnswer(explanation, json ? (JSON.parse(json) as ImageQuery).result : null);
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
