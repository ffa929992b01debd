import {
  DETECTOR_MODES,
  ESCALATION_POLICY_MODES,
  REASONING_MODES,
  ESCALATION_STATES,
  MODEL_KINDS,
  MODEL_VERSION_STATES,
  RESULT_TYPES,
  SOURCES,
} from '@intellioptics/schema';
import { builder } from './builder';

/** Shared enums, with the wire values of libs/schema. */
export const DetectorModeEnum = builder.enumType('DetectorMode', { values: DETECTOR_MODES });
export const DetectorStatusEnum = builder.enumType('DetectorStatus', { values: ['ON', 'OFF'] as const });
export const EscalationTypeEnum = builder.enumType('EscalationType', {
  values: ['STANDARD', 'NO_HUMAN_LABELING'] as const,
});
/** GraphQL names in capitals; the values are libs/schema's lower-case wire values. */
function upperCaseEnumValues<T extends string>(values: readonly T[]) {
  return Object.fromEntries(values.map((v) => [v.toUpperCase(), { value: v }])) as Record<
    string,
    { value: T }
  >;
}
export const ReasoningModeEnum = builder.enumType('ReasoningMode', {
  description: 'Which head answers: LINEAR (pooled features), RECURSIVE (reasoning head on patches), AUTO.',
  values: upperCaseEnumValues(REASONING_MODES),
});
export const EscalationPolicyModeEnum = builder.enumType('EscalationPolicyMode', {
  description:
    'Who decides escalations: THRESHOLD (confidence below threshold) or LEARNED (the shipped policy).',
  values: upperCaseEnumValues(ESCALATION_POLICY_MODES),
});
export const EscalationStateEnum = builder.enumType('EscalationState', { values: ESCALATION_STATES });
export const ModelKindEnum = builder.enumType('ModelKind', { values: MODEL_KINDS });
export const ModelVersionStateEnum = builder.enumType('ModelVersionState', { values: MODEL_VERSION_STATES });
export const SourceEnum = builder.enumType('Source', { values: SOURCES });
export const ResultTypeEnum = builder.enumType('ResultType', { values: RESULT_TYPES });
export const UserRoleEnum = builder.enumType('UserRole', { values: ['ADMIN', 'REVIEWER'] as const });

export const PageInfoRef = builder
  .objectRef<{ hasNextPage: boolean; endCursor: string | null }>('PageInfo')
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      endCursor: t.exposeString('endCursor', { nullable: true }),
    }),
  });
