import { ApiToken, User } from '../modules/users/user.entity';
import { Detector } from '../modules/detectors/detector.entity';
import { ImageQuery, Label } from '../modules/image-queries/image-query.entity';
import { Escalation } from '../modules/escalations/escalation.entity';
import { Hub } from '../modules/hubs/hub.entity';
import { ModelVersion } from '../modules/model-versions/model-version.entity';
import { Note } from '../modules/notes/note.entity';
import { DetectorGroup } from '../modules/detector-groups/detector-group.entity';
import { EdgeMetricReport } from '../modules/edge-metrics/edge-metric-report.entity';
import { learningEntities } from '../modules/learning/training-job.entity';
import { AlertFiring, AlertRule } from '../modules/alert-rules/alert-rule.entity';
import { HubCamera } from '../modules/cameras/camera.entity';

/** Every entity, in one list for the ORM and the migration generator. */
export const entities = [
  User,
  ApiToken,
  Detector,
  ImageQuery,
  Label,
  Escalation,
  Hub,
  ModelVersion,
  ...learningEntities,
  Note,
  DetectorGroup,
  EdgeMetricReport,
  AlertRule,
  AlertFiring,
  HubCamera,
];
