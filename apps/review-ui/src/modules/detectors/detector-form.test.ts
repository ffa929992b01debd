import { describe, expect, it } from 'vitest';
import {
  EMPTY_FORM,
  parseClassNames,
  presetOf,
  toCreateInput,
  toUpdateInput,
  validate,
  valuesFrom,
} from './detector-form';

const detector = {
  name: 'rail',
  query: 'Is the guard rail closed?',
  mode: 'BINARY' as const,
  modeConfiguration: null,
  confidenceThreshold: 0.9,
  patienceTime: 30,
  groupName: 'default',
  escalationType: 'STANDARD' as const,
  reasoning: 'LINEAR' as const,
  escalationPolicy: null,
  status: 'ON' as const,
  metadata: { owner: 'ops' },
};

describe('detector form', () => {
  it('validates with a message per field', () => {
    expect(validate(EMPTY_FORM, true)).toMatchObject({ name: expect.any(String), query: expect.any(String) });
    const ok = { ...EMPTY_FORM, name: 'n', query: 'q?' };
    expect(validate(ok, true)).toEqual({});
    expect(validate({ ...ok, confidenceThreshold: '1.5' }, true).confidenceThreshold).toBeDefined();
    expect(validate({ ...ok, confidenceThreshold: '' }, true).confidenceThreshold).toBeDefined();
    expect(validate({ ...ok, patienceTime: '0' }, true).patienceTime).toBeDefined();
    expect(validate({ ...ok, mode: 'MULTI_CLASS', classNames: 'a' }, true).classNames).toBeDefined();
    expect(validate({ ...ok, mode: 'MULTI_CLASS', classNames: 'a, b' }, true)).toEqual({});
    expect(
      validate({ ...ok, mode: 'COUNT', objectClass: 'person', maxCount: '2.5' }, true).maxCount,
    ).toBeDefined();
    expect(
      validate({ ...ok, mode: 'COUNT', objectClass: 'person', maxCount: '51' }, true).maxCount,
    ).toBeDefined();
    expect(validate({ ...ok, mode: 'BOUNDING_BOX' }, true).objectClass).toBeDefined();
    expect(validate({ ...ok, mode: 'COUNT', objectClass: 'person', maxCount: '20' }, true)).toEqual({});
  });

  it('builds the create input with the mode configuration', () => {
    const input = toCreateInput({
      ...EMPTY_FORM,
      name: ' n ',
      query: 'q?',
      mode: 'MULTI_CLASS',
      classNames: 'a, b, a',
    });
    expect(input).toMatchObject({
      name: 'n',
      modeConfiguration: { class_names: ['a', 'b'] },
      metadata: null,
    });
    expect(toCreateInput({ ...EMPTY_FORM, mode: 'COUNT', maxCount: '10', preset: 'no_cloud' })).toMatchObject(
      {
        modeConfiguration: { max_count: 10 },
        metadata: { edge_preset: 'no_cloud' },
      },
    );
    expect(parseClassNames(' x,,y , x')).toEqual(['x', 'y']);
  });

  it('sends only the fields that changed, keeping other metadata', () => {
    const before = valuesFrom(detector);
    expect(toUpdateInput(before, before, detector.metadata)).toEqual({});
    expect(toUpdateInput(before, { ...before, confidenceThreshold: '0.75' }, detector.metadata)).toEqual({
      confidenceThreshold: 0.75,
    });
    expect(
      toUpdateInput(
        before,
        { ...before, enabled: false, preset: 'no_cloud', patienceTime: '60' },
        detector.metadata,
      ),
    ).toEqual({ status: 'OFF', patienceTime: 60, metadata: { owner: 'ops', edge_preset: 'no_cloud' } });
    expect(presetOf({ edge_preset: 'bogus' })).toBe('default');
  });

  it('reads the reasoning head and escalation policy; no setting is the Default choice', () => {
    expect(valuesFrom(detector)).toMatchObject({ reasoning: 'LINEAR', escalationPolicy: 'DEFAULT' });
    expect(valuesFrom({ ...detector, reasoning: 'AUTO', escalationPolicy: 'THRESHOLD' })).toMatchObject({
      reasoning: 'AUTO',
      escalationPolicy: 'THRESHOLD',
    });
    expect(EMPTY_FORM).toMatchObject({ reasoning: 'LINEAR', escalationPolicy: 'DEFAULT' });
  });

  it('creates with the reasoning head and escalation policy, Default as no setting', () => {
    const base = { ...EMPTY_FORM, name: 'n', query: 'q?' };
    expect(toCreateInput(base)).toMatchObject({ reasoning: 'LINEAR', escalationPolicy: null });
    expect(toCreateInput({ ...base, reasoning: 'RECURSIVE', escalationPolicy: 'LEARNED' })).toMatchObject({
      reasoning: 'RECURSIVE',
      escalationPolicy: 'LEARNED',
    });
  });

  it.each([
    ['DEFAULT', 'LEARNED', { escalationPolicy: 'LEARNED' }],
    ['DEFAULT', 'THRESHOLD', { escalationPolicy: 'THRESHOLD' }],
    ['LEARNED', 'THRESHOLD', { escalationPolicy: 'THRESHOLD' }],
    ['THRESHOLD', 'DEFAULT', { resetEscalationPolicy: true }],
    ['LEARNED', 'DEFAULT', { resetEscalationPolicy: true }],
    ['LEARNED', 'LEARNED', {}],
    ['DEFAULT', 'DEFAULT', {}],
  ] as const)('escalation policy %s → %s sends %j', (from, to, expected) => {
    const before = { ...valuesFrom(detector), escalationPolicy: from };
    expect(toUpdateInput(before, { ...before, escalationPolicy: to }, detector.metadata)).toEqual(expected);
  });

  it('sends the reasoning head only when it changed', () => {
    const before = valuesFrom({ ...detector, reasoning: 'AUTO' });
    expect(toUpdateInput(before, before, detector.metadata)).toEqual({});
    expect(toUpdateInput(before, { ...before, reasoning: 'RECURSIVE' }, detector.metadata)).toEqual({
      reasoning: 'RECURSIVE',
    });
  });
});
