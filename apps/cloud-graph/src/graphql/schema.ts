/** The schema entry: imports every module's types, then builds the Federation v2 subgraph. */
import { builder } from './builder';
import './scalars';
import '../modules/detectors/detector.graphql';
import '../modules/image-queries/image-query.graphql';
import '../modules/escalations/escalation.graphql';
import '../modules/hubs/hub.graphql';
import '../modules/cameras/camera.graphql';
import '../modules/model-versions/model-version.graphql';
import '../modules/users/user.graphql';
import '../modules/learning/training-job.graphql';
import '../modules/notes/note.graphql';
import '../modules/alert-rules/alert-rule.graphql';
import '../modules/compound-detectors/compound-detector.graphql';

export const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
