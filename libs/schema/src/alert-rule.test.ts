import { describe, expect, it } from 'vitest';
import { PatchedRuleRequestSchema, RuleRequestSchema, durationMs, snoozeMs } from './alert-rule';

describe('RuleRequestSchema', () => {
  it('takes the SDK create_alert body and fills its defaults', () => {
    const r = RuleRequestSchema.parse({
      name: 'Door open',
      condition: { verb: 'CHANGED_TO', parameters: { label: 'YES' } },
      webhook_action: [{ url: 'https://example.com/hook', include_image: true }],
    });
    expect(r).toMatchObject({
      enabled: true,
      snooze_time_enabled: false,
      snooze_time_value: 0,
      snooze_time_unit: 'SECONDS',
      human_review_required: false,
      action: [],
      webhook_action: [{ url: 'https://example.com/hook', include_image: true }],
    });
  });

  it.each([
    ['an unknown verb', { verb: 'CHANGED_FROM', parameters: { label: 'YES' } }],
    ['a missing count', { verb: 'ANSWERED_CONSECUTIVELY', parameters: { label: 'YES' } }],
    [
      'a zero count',
      { verb: 'ANSWERED_CONSECUTIVELY', parameters: { label: 'YES', num_consecutive_labels: 0 } },
    ],
    ['an unknown unit', { verb: 'NO_QUERIES', parameters: { time_value: 5, time_unit: 'WEEKS' } }],
    ['a misspelt parameter', { verb: 'CHANGED_TO', parameters: { lable: 'YES' } }],
  ])('refuses %s', (_, condition) => {
    expect(RuleRequestSchema.safeParse({ name: 'x', condition }).success).toBe(false);
  });

  it('refuses a webhook that is not http(s)', () => {
    const body = {
      name: 'x',
      condition: { verb: 'CHANGED_TO', parameters: { label: 'YES' } },
      webhook_action: [{ url: 'file:///etc/passwd' }],
    };
    expect(RuleRequestSchema.safeParse(body).success).toBe(false);
  });

  it('a patch may carry any writable field and nothing else', () => {
    expect(PatchedRuleRequestSchema.parse({ enabled: false })).toEqual({ enabled: false });
    expect(PatchedRuleRequestSchema.safeParse({ id: 3 }).success).toBe(false);
  });
});

describe('durations', () => {
  it.each([
    [90, 'SECONDS', 90_000],
    [2, 'MINUTES', 120_000],
    [1, 'HOURS', 3_600_000],
    [1, 'DAYS', 86_400_000],
  ] as const)('%i %s', (value, unit, ms) => {
    expect(durationMs(value, unit)).toBe(ms);
  });

  it('a disabled snooze is none', () => {
    expect(snoozeMs({ snooze_time_enabled: false, snooze_time_value: 5, snooze_time_unit: 'HOURS' })).toBe(0);
    expect(snoozeMs({ snooze_time_enabled: true, snooze_time_value: 5, snooze_time_unit: 'MINUTES' })).toBe(
      300_000,
    );
  });
});
