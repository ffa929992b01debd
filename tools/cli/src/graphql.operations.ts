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
  disabledAt: string | null;
}
const USER = 'id username email role createdAt disabledAt';
export const USERS = `query { users { ${USER} } }`;
export const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { ok ${ERROR} user { ${USER} } } }`;
export const CREATE_API_TOKEN = `mutation($name: String!, $userId: ID, $expiresInDays: Int) {
  createApiToken(name: $name, userId: $userId, expiresInDays: $expiresInDays) { ok ${ERROR} token snippet user { ${USER} } } }`;
export const SET_USER_DISABLED = `mutation($id: ID!, $disabled: Boolean!) {
  setUserDisabled(id: $id, disabled: $disabled) { ok ${ERROR} user { ${USER} } } }`;

export interface ApiToken {
  id: string;
  name: string;
  snippet: string;
  userId: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}
const API_TOKEN = 'id name snippet userId createdAt lastUsedAt expiresAt revokedAt';
export const API_TOKENS = `query($userId: ID) { apiTokens(userId: $userId) { ${API_TOKEN} } }`;
export const REVOKE_API_TOKEN = `mutation($id: ID!) { revokeApiToken(id: $id) { ok ${ERROR} apiToken { ${API_TOKEN} } } }`;
export const ME = 'query { me { id kind name email role } }';

export interface Hub {
  id: string;
  name: string;
  online: boolean;
  lastHeartbeatAt: string | null;
  servedDetectors: { detectorId: string; primaryVersion: number | null; ooddVersion: number | null }[];
  tokenSnippet: string;
  createdAt: string;
  /** null: the hub may use every detector. */
  assignedDetectorIds: string[] | null;
}
const HUB =
  'id name online lastHeartbeatAt servedDetectors { detectorId primaryVersion ooddVersion } tokenSnippet createdAt assignedDetectorIds';
export const HUBS = `query { hubs { ${HUB} } }`;
export const REGISTER_HUB = `mutation($name: String!) { registerHub(name: $name) { ok ${ERROR} token hub { ${HUB} } } }`;
export const SET_HUB_DETECTORS = `mutation($hubId: ID!, $detectorIds: [ID!]) {
  setHubDetectors(hubId: $hubId, detectorIds: $detectorIds) { ok ${ERROR} hub { ${HUB} } } }`;
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
