/**
 * What the REST routes accept and answer, keyed `METHOD /path` without the `/device-api/v1` or `/v1` prefix:
 * the same zod schemas the handlers validate with. A route the services serve that is missing here is still
 * documented (document.ts), only with less detail.
 */
import { z } from 'zod';
import { CompoundDetectorCreationInputSchema } from '../compound-rule';
import { ExplanationSchema } from '../explanation';
import {
  DetectorCreationInputSchema,
  DetectorSchema,
  EdgeModelInfoSchema,
  ImageQuerySchema,
  LabelInputSchema,
  LabelValueSchema,
  MeSchema,
  PaginatedDetectorListSchema,
  PaginatedImageQueryListSchema,
  PatchedDetectorInputSchema,
  SubmitImageQueryParamsSchema,
} from '../rest';
import {
  AlertEventSchema,
  PaginatedRuleListSchema,
  PatchedRuleRequestSchema,
  RuleRequestSchema,
  RuleSchema,
} from '../alert-rule';

export interface OperationDoc {
  summary: string;
  query?: z.ZodObject;
  body?: { contentType: string; schema?: z.ZodType };
  response?: { status?: number; contentType?: string; schema?: z.ZodType; description?: string };
  /** Served without a token (health probes). */
  public?: boolean;
}

const PageQuery = z.object({
  page: z.number().int().min(1).optional().describe('1-based page number'),
  page_size: z.number().int().min(1).max(1000).optional().describe('items per page (default 10)'),
});

const binary = { type: 'string', contentMediaType: 'application/octet-stream' };
const image = z.string().meta({ ...binary, description: 'JPEG, PNG or WebP bytes' });

export const REST_OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  'POST /image-queries': {
    summary: 'Submit an image: answered at the edge when confident, else escalated to the cloud',
    query: SubmitImageQueryParamsSchema,
    body: { contentType: 'image/*', schema: image },
    response: { schema: ImageQuerySchema },
  },
  'GET /image-queries': {
    summary: 'List image queries (newest first)',
    query: PageQuery.extend({ detector_id: z.string().optional() }),
    response: { schema: PaginatedImageQueryListSchema },
  },
  'GET /image-queries/:id': {
    summary: 'One image query and its answer',
    response: { schema: ImageQuerySchema },
  },
  'GET /image-queries/:id/image': {
    summary: 'The image of an image query',
    response: { contentType: 'image/jpeg', schema: image },
  },
  'GET /image-queries/:id/explanation': {
    summary:
      'Why the answer was given or escalated: reason chain, evidence map over the image, nearest labelled examples',
    response: { schema: ExplanationSchema },
  },
  'GET /detectors': {
    summary: 'List detectors',
    query: PageQuery.extend({ name: z.string().optional() }),
    response: { schema: PaginatedDetectorListSchema },
  },
  'POST /detectors': {
    summary: 'Create a detector',
    body: { contentType: 'application/json', schema: DetectorCreationInputSchema },
    response: { status: 201, schema: DetectorSchema },
  },
  'GET /detectors/:id': { summary: 'One detector', response: { schema: DetectorSchema } },
  'PATCH /detectors/:id': {
    summary: 'Change a detector',
    body: { contentType: 'application/json', schema: PatchedDetectorInputSchema },
    response: { schema: DetectorSchema },
  },
  'DELETE /detectors/:id': { summary: 'Delete a detector', response: { status: 204 } },
  'POST /compound-detectors': {
    summary:
      'Create a compound detector: a BINARY detector answering a rule over other detectors (compound-rule.ts)',
    body: { contentType: 'application/json', schema: CompoundDetectorCreationInputSchema },
    response: { status: 201, schema: DetectorSchema },
  },
  'POST /labels': {
    summary: 'Label an image query (a human answer)',
    body: { contentType: 'application/json', schema: LabelInputSchema },
    response: { schema: LabelValueSchema },
  },
  'GET /me': { summary: 'The caller (token check)', response: { schema: MeSchema } },
  // The edge serves these two without a token today (as the reference edge does); the docs say so.
  'GET /edge-config': { summary: "The edge's configuration (detectors, presets, streams)", public: true },
  'PUT /edge-config': {
    summary: "Replace the edge's configuration (administrators)",
    body: { contentType: 'application/json' },
  },
  'GET /edge-detector-readiness': {
    summary: 'Whether each configured detector has a model loaded',
    public: true,
  },
  'GET /edge/fetch-model-urls/:detectorId': {
    summary: "A detector's model package URLs (edges)",
    response: { schema: EdgeModelInfoSchema },
  },
  'GET /health': { summary: 'Readiness', public: true },
  'GET /health/live': { summary: 'Liveness', public: true },
  'GET /health/ready': { summary: 'Readiness (503 until ready)', public: true },
  'GET /ping': { summary: 'Ping', public: true },
  'GET /metrics': {
    summary: 'Prometheus metrics (the cloud asks for METRICS_TOKEN as a bearer token when it is set)',
    response: { contentType: 'text/plain' },
    public: true,
  },
  'POST /actions/detector/:id/rules': {
    summary: 'Create an alert rule on a detector (administrators; Groundlight create_alert)',
    body: { contentType: 'application/json', schema: RuleRequestSchema },
    response: { status: 201, schema: RuleSchema },
  },
  'GET /actions/detector/:id/rules': {
    summary: "A detector's alert rules (edges fetch them to evaluate where the answers are made)",
    response: { schema: z.object({ count: z.number().int(), results: z.array(RuleSchema) }) },
  },
  'GET /actions/rules': {
    summary: 'List alert rules (oldest first)',
    query: PageQuery,
    response: { schema: PaginatedRuleListSchema },
  },
  'GET /actions/rules/:id': { summary: 'One alert rule', response: { schema: RuleSchema } },
  'PATCH /actions/rules/:id': {
    summary: 'Change an alert rule (administrators)',
    body: { contentType: 'application/json', schema: PatchedRuleRequestSchema },
    response: { schema: RuleSchema },
  },
  'DELETE /actions/rules/:id': {
    summary: 'Delete an alert rule (administrators)',
    response: { status: 204 },
  },
  'POST /actions/alerts': {
    summary: 'An edge reports an alert it fired (stored and announced once per alert_id on alertFired)',
    body: { contentType: 'application/json', schema: AlertEventSchema },
    response: { status: 201, schema: z.object({ created: z.boolean() }) },
  },
  'GET /openapi.json': { summary: 'This document' },
  'GET /docs': { summary: 'This document as a page', response: { contentType: 'text/html' } },
};
