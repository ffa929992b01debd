import { ROLES } from '../../auth/principal';
import { builder } from '../../graphql/builder';
import { asPayload, guard } from '../../graphql/errors';
import { DetectorPayloadRef, DetectorRef } from '../detectors/detector.graphql';

builder.objectField(DetectorRef, 'rule', (t) =>
  t.field({
    type: 'JSON',
    nullable: true,
    description: "A compound detector's rule over other detectors (null for the others).",
    resolve: (d) => d.rule ?? null,
  }),
);

const CreateCompoundDetectorInput = builder.inputType('CreateCompoundDetectorInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    query: t.string({ required: true }),
    rule: t.field({ type: 'JSON', required: true }),
    confidenceThreshold: t.float(),
    patienceTime: t.float(),
    groupName: t.string(),
  }),
});

builder.mutationField('createCompoundDetector', (t) =>
  t.field({
    type: DetectorPayloadRef,
    args: { input: t.arg({ type: CreateCompoundDetectorInput, required: true }) },
    resolve: (_, { input }, ctx) => {
      const who = guard(ctx, ROLES.admin);
      return asPayload(async () => ({
        detector: await ctx.services.compoundDetectors.create(
          Object.fromEntries(
            Object.entries({
              name: input.name,
              query: input.query,
              rule: input.rule,
              confidence_threshold: input.confidenceThreshold,
              patience_time: input.patienceTime,
              group_name: input.groupName,
            }).filter(([, v]) => v !== null && v !== undefined),
          ),
          who,
        ),
      }));
    },
  }),
);
