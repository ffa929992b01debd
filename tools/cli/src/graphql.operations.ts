/** The GraphQL documents the CLI sends (libs/schema/generated/cloud-graph.graphql is the schema). */
import type { MutationError } from './cloud.client';

const ERROR = 'error { code message fields { path message } }';

export interface Payload {
  ok: boolean;
  error: MutationError | null;
}

export interface User {
  id: string;
  username: string;
  email: string;
  role: 'ADMIN' | 'REVIEWER';
  createdAt: string;
}
const USER = 'id username email role createdAt';
export const USERS = `query { users { ${USER} } }`;
export const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { ok ${ERROR} user { ${USER} } } }`;
export const CREATE_API_TOKEN = `mutation($name: String!, $userId: ID) {
  createApiToken(name: $name, userId: $userId) { ok ${ERROR} token snippet user { ${USER} } } }`;
export const ME = 'query { me { id kind name email role } }';

export interface Hub {
  id: string;
  name: string;
  online: boolean;
  lastHeartbeatAt: string | null;
  servedDetectors: { detectorId: string; primaryVersion: number | null; ooddVersion: number | null }[];
  tokenSnippet: string;
  createdAt: string;
}
const HUB =
  'id name online lastHeartbeatAt servedDetectors { detectorId primaryVersion ooddVersion } tokenSnippet createdAt';
export const HUBS = `query { hubs { ${HUB} } }`;
export const REGISTER_HUB = `mutation($name: String!) { registerHub(name: $name) { ok ${ERROR} token hub { ${HUB} } } }`;
export const ROTATE_HUB_TOKEN = `mutation($hubId: ID!) { rotateHubToken(hubId: $hubId) { ok ${ERROR} token hub { ${HUB} } } }`;

export interface ModelVersion {
  id: string;
  detectorId: string;
  kind: 'primary' | 'oodd';
  number: number;
  sha256: string;
  sizeBytes: number;
  state: 'CANDIDATE' | 'PUBLISHED' | 'RETIRED' | 'REJECTED';
  metrics: unknown;
  downloadUrl: string;
  createdAt: string;
  publishedAt: string | null;
}
const MODEL_VERSION =
  'id detectorId kind number sha256 sizeBytes state metrics downloadUrl createdAt publishedAt';
export const MODEL_VERSIONS = `query($detectorId: ID, $kind: ModelKind) {
  modelVersions(detectorId: $detectorId, kind: $kind) { ${MODEL_VERSION} } }`;
export const ROLLBACK = `mutation($id: ID!) { rollbackModelVersion(modelVersionId: $id) {
  ok ${ERROR} primary { ${MODEL_VERSION} } oodd { ${MODEL_VERSION} } } }`;

export interface TrainingJob {
  id: string;
  detectorId: string;
  state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  trigger: string;
  outcome: string | null;
  progress: number;
  stage: string | null;
  attempts: number;
  labelCount: number | null;
  result: unknown;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}
const JOB =
  'id detectorId state trigger outcome progress stage attempts labelCount result error createdAt finishedAt';
export const REQUEST_TRAINING = `mutation($detectorId: ID!) { requestTraining(detectorId: $detectorId) { ok ${ERROR} job { ${JOB} } } }`;
export const TRAINING_JOB = `query($id: ID!) { trainingJob(id: $id) { ${JOB} } }`;
export const TRAINING_JOBS = `query($detectorId: ID!, $limit: Int) { trainingJobs(detectorId: $detectorId, limit: $limit) { ${JOB} } }`;
