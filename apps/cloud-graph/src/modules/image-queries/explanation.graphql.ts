/**
 * GraphQL `ImageQuery.explanation`: the same content as `GET /image-queries/{id}/explanation` (libs/schema
 * explanation.ts), as typed objects so a client selects the parts it shows (steps, heat map, neighbours).
 */
import {
  EXPLANATION_STEP_KINDS,
  type EvidenceMap,
  type Explanation,
  type ExplanationStep,
  type Neighbor,
} from '@intellioptics/schema';
import { builder } from '../../graphql/builder';
import { RoiRef } from './roi.graphql';

export const ExplanationStepKindEnum = builder.enumType('ExplanationStepKind', {
  values: EXPLANATION_STEP_KINDS,
});

export const EvidenceMapRef = builder.objectRef<EvidenceMap>('EvidenceMap').implement({
  description:
    'A map over the image: `values` has rows × cols numbers, row-major, top row first; larger = more support for `label`.',
  fields: (t) => ({
    rows: t.exposeInt('rows'),
    cols: t.exposeInt('cols'),
    values: t.exposeFloatList('values'),
    label: t.exposeString('label'),
  }),
});

export const ExplanationStepRef = builder.objectRef<ExplanationStep>('ExplanationStep').implement({
  description: 'One step of the reason chain, in order: a kind and a sentence a person can read.',
  fields: (t) => ({
    kind: t.field({ type: ExplanationStepKindEnum, resolve: (s) => s.kind }),
    text: t.exposeString('text'),
    data: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The numbers behind the sentence (kind-specific: confidence, threshold, reason...).',
      resolve: (s) => s.data ?? null,
    }),
    evidence: t.field({ type: EvidenceMapRef, nullable: true, resolve: (s) => s.evidence ?? null }),
  }),
});

export const NeighborRef = builder.objectRef<Neighbor>('ExplanationNeighbor').implement({
  description: 'A labelled example of the detector similar to this image (from its model package).',
  fields: (t) => ({
    imageQueryId: t.id({ resolve: (n) => n.image_query_id }),
    label: t.exposeString('label'),
    similarity: t.exposeFloat('similarity'),
  }),
});

const TextSpanRef = builder.objectRef<{ text: string; score: number }>('ExplanationTextSpan').implement({
  fields: (t) => ({ text: t.exposeString('text'), score: t.exposeFloat('score') }),
});

export const ExplanationRef = builder.objectRef<Explanation>('Explanation').implement({
  description:
    'Why the answer was given or escalated: reason chain, evidence map, nearest labelled examples.',
  fields: (t) => ({
    imageQueryId: t.id({ resolve: (e) => e.image_query_id }),
    label: t.string({ nullable: true, resolve: (e) => e.label }),
    confidence: t.float({ nullable: true, resolve: (e) => e.confidence }),
    steps: t.field({ type: [ExplanationStepRef], resolve: (e) => e.steps }),
    evidence: t.field({ type: EvidenceMapRef, nullable: true, resolve: (e) => e.evidence }),
    neighbors: t.field({ type: [NeighborRef], resolve: (e) => e.neighbors }),
    rois: t.field({
      type: [RoiRef],
      nullable: true,
      description: 'COUNT / BOUNDING_BOX: the boxes the answer rests on, with their scores.',
      resolve: (e) => e.rois ?? null,
    }),
    textSpans: t.field({
      type: [TextSpanRef],
      nullable: true,
      description: 'TEXT: the recognised spans.',
      resolve: (e) => e.text_spans ?? null,
    }),
  }),
});
