/**
 * Our REST schemas against the Groundlight OpenAPI spec (MIT, copied with its license into fixtures):
 * every property the spec marks required must be a key of our schema, so the generated SDK never meets a
 * missing key. The spec misses `email`/`is_superuser` on /me and `done_processing`, which we add.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  ApiTokenSchema,
  BBoxGeometrySchema,
  BinaryClassificationResultSchema,
  BoundingBoxModeConfigurationSchema,
  BoundingBoxResultSchema,
  CountModeConfigurationSchema,
  CountingResultSchema,
  MultiClassificationResultSchema,
  TextModeConfigurationSchema,
  TextRecognitionResultSchema,
  DetectorSchema,
  EdgeModelInfoSchema,
  ImageQuerySchema,
  LabelValueSchema,
  PaginatedDetectorListSchema,
  PaginatedImageQueryListSchema,
  RoiSchema,
} from '../src/rest';

interface Spec {
  components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
}
const spec = parse(
  readFileSync(join(import.meta.dirname, 'fixtures/groundlight/groundlight-public-api.yaml'), 'utf8'),
) as Spec;

const pairs: [string, z.ZodObject][] = [
  ['ImageQuery', ImageQuerySchema],
  ['Detector', DetectorSchema],
  ['LabelValue', LabelValueSchema],
  ['ROI', RoiSchema],
  ['BBoxGeometry', BBoxGeometrySchema],
  ['PaginatedDetectorList', PaginatedDetectorListSchema],
  ['PaginatedImageQueryList', PaginatedImageQueryListSchema],
  ['EdgeModelInfo', EdgeModelInfoSchema],
  ['ApiToken', ApiTokenSchema],
  ['BinaryClassificationResult', BinaryClassificationResultSchema],
  ['CountingResult', CountingResultSchema],
  ['MultiClassificationResult', MultiClassificationResultSchema],
  ['TextRecognitionResult', TextRecognitionResultSchema],
  ['BoundingBoxResult', BoundingBoxResultSchema],
  ['CountModeConfiguration', CountModeConfigurationSchema],
  ['BoundingBoxModeConfiguration', BoundingBoxModeConfigurationSchema],
  ['TextModeConfiguration', TextModeConfigurationSchema],
];

describe('Groundlight OpenAPI contract', () => {
  it.each(pairs)('%s has every key the spec requires', (name, schema) => {
    const component = spec.components.schemas[name];
    expect(component, `spec has ${name}`).toBeDefined();
    const ours = Object.keys(schema.shape);
    for (const key of component!.required ?? []) expect(ours, `${name}.${key}`).toContain(key);
  });

  it.each(pairs)('%s has no key the spec does not know (except our documented additions)', (name, schema) => {
    const known = Object.keys(spec.components.schemas[name]!.properties ?? {});
    // rule: a compound detector's rule (compound-rule.ts), absent for every other detector.
    // reasoning, escalation_policy: the detector's learning settings (docs/REST-COMPAT.md).
    const additions = ['done_processing', 'rule', 'reasoning', 'escalation_policy'];
    for (const key of Object.keys(schema.shape)) {
      if (!additions.includes(key)) expect(known, `${name}.${key}`).toContain(key);
    }
  });

  it('BoundingBoxResult.label takes exactly the spec enum', () => {
    const spec_ = spec.components.schemas['BoundingBoxLabelEnum'] as unknown as { enum: string[] };
    expect(BoundingBoxResultSchema.shape.label.options).toEqual(spec_.enum);
  });
});
