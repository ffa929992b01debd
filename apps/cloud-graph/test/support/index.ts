/**
 * `@intellioptics/cloud-graph/test-support`: what other packages' tests and benchmarks may use of the cloud —
 * a real cloud on port 0 with its own database, request helpers and small real images.
 */
export {
  ADMIN_TOKEN,
  api,
  gql,
  startCloudForTests,
  type TestCloud,
  type TestCloudOptions,
} from './test-cloud';
export { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from './test-db';
export { tinyJpeg, tinyPng, tinyWebp } from './images';
export {
  graphqlAnswerFault,
  graphqlFuzzer,
  restAnswerFault,
  restFuzzer,
  seededRandom,
  sendRaw,
  type FuzzAnswer,
  type FuzzRequest,
} from './fuzz';
export { startThrowawayPostgres, type ThrowawayPostgres } from '../drills/throwaway-postgres';
