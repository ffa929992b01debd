/** The batch loaders of one GraphQL operation (one per context: requests never share a batch). */
import type { DetectorEntity } from '../modules/detectors/detector.entity';
import type { ImageQueryEntity } from '../modules/image-queries/image-query.entity';
import type { Services } from '../services';
import { BatchLoader } from './batch-loader';

export interface Loaders {
  detector: BatchLoader<DetectorEntity>;
  imageQuery: BatchLoader<ImageQueryEntity>;
}

export function createLoaders(services: Pick<Services, 'detectors' | 'imageQueries'>): Loaders {
  return {
    detector: new BatchLoader(
      (ids) => services.detectors.getMany(ids),
      (d) => d.id,
    ),
    imageQuery: new BatchLoader(
      (ids) => services.imageQueries.getMany(ids),
      (q) => q.id,
    ),
  };
}
