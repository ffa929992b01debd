/** The live edge state the edge subgraph's resolvers read, assembled from the services that own each part. */
import type { CloudStatus } from '../cloud-client/cloud-status';
import type { EdgeConfigService } from '../config/edge-config.service';
import type { DetectorService } from '../detectors/detector.service';
import type { DetectorActivityReader } from '../metrics/detector-activity';
import type { ModelStore } from '../models/model-store';
import type { ModelUpdaterService } from '../models/model-updater.service';
import type { EdgeGraphState } from './context';

export function createEdgeGraphState(deps: {
  hubName: string;
  detectors: Pick<DetectorService, 'servedIds'>;
  models: Pick<ModelUpdaterService, 'servedDetectors'> | null;
  modelStore: Pick<ModelStore, 'hasModel'>;
  activity: Pick<DetectorActivityReader, 'of'>;
  outboxPending: () => number;
  config: Pick<EdgeConfigService, 'lastProblem'>;
  cloudStatus: Pick<CloudStatus, 'reachable'>;
}): EdgeGraphState {
  return {
    hubName: deps.hubName,
    detectorIds: () => deps.detectors.servedIds(),
    detector: async (id) => {
      const served = deps.models?.servedDetectors().find((s) => s.detectorId === id);
      return {
        primaryVersion: served?.primaryVersion ?? null,
        ooddVersion: served?.ooddVersion ?? null,
        ready: await deps.modelStore.hasModel(id),
        ...(await deps.activity.of(id)),
      };
    },
    outboxPending: deps.outboxPending,
    configOk: () => deps.config.lastProblem === null,
    cloudReachable: () => deps.cloudStatus.reachable() !== false,
  };
}
