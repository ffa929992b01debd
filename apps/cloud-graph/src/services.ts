/**
 * What GraphQL resolvers and REST routes may use: the domain services, built once by `composition.ts`.
 * Types only, so a GraphQL type file compiles against this interface, not against the composition.
 */
import type { AuthService } from './auth/auth.service';
import type { BlobStore } from './blob/blob-store';
import type { DetectorService } from './modules/detectors/detector.service';
import type { EscalationService } from './modules/escalations/escalation.service';
import type { HubService } from './modules/hubs/hub.service';
import type { CameraService } from './modules/cameras/camera.service';
import type { ImageQueryService } from './modules/image-queries/image-query.service';
import type { LabelService } from './modules/image-queries/label.service';
import type { LearningService } from './modules/learning/learning.service';
import type { ModelVersionService } from './modules/model-versions/model-version.service';
import type { UserService } from './modules/users/user.service';
import type { DetectorStatsService } from './modules/detectors/detector-stats.service';
import type { NoteService } from './modules/notes/note.service';
import type { DetectorGroupService } from './modules/detector-groups/detector-group.service';
import type { AccountService } from './modules/account/account.service';
import type { EdgeMetricsService } from './modules/edge-metrics/edge-metrics.service';
import type { AlertRuleService } from './modules/alert-rules/alert-rule.service';
import type { CompoundDetectorService } from './modules/compound-detectors/compound-detector.service';

export interface Services {
  auth: AuthService;
  users: UserService;
  detectors: DetectorService;
  detectorStats: DetectorStatsService;
  notes: NoteService;
  detectorGroups: DetectorGroupService;
  account: AccountService;
  edgeMetrics: EdgeMetricsService;
  alertRules: AlertRuleService;
  compoundDetectors: CompoundDetectorService;
  imageQueries: ImageQueryService;
  labels: LabelService;
  escalations: EscalationService;
  hubs: HubService;
  cameras: CameraService;
  models: ModelVersionService;
  learning: LearningService;
  blobs: BlobStore;
  signedUrlTtlSeconds: number;
}
