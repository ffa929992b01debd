import { describe, expect, it } from 'vitest';
import type { TokenVerdict } from '../cloud-client/cloud.client';
import { decideToken, type TokenDecision } from './token-decision';

const H = 3_600_000;
const BOUND = 24 * H;
const NOW = 1000 * H;

type Remembered = 'none' | 'invalid' | `valid ${number}h ago`;

function remembered(r: Remembered) {
  if (r === 'none') return null;
  if (r === 'invalid') return { valid: false, checkedAt: NOW - H };
  const hours = Number(/valid (\d+)h ago/.exec(r)![1]);
  return { valid: true, checkedAt: NOW - hours * H };
}

const accept = (remember: boolean): TokenDecision => ({ kind: 'accept', remember });
const reject = (reason: 'invalid' | 'unknown_offline' | 'expired_offline'): TokenDecision => ({
  kind: 'reject',
  reason,
});
const unavailable: TokenDecision = { kind: 'unavailable' };

describe(decideToken.name, () => {
  const rows: [Remembered, TokenVerdict, 'accept' | 'reject', TokenDecision][] = [
    // The cloud answered: its word is final, whatever the edge remembered.
    ['none', 'valid', 'reject', accept(true)],
    ['valid 30h ago', 'valid', 'reject', accept(true)],
    ['invalid', 'valid', 'reject', accept(true)],
    ['valid 1h ago', 'invalid', 'accept', reject('invalid')],
    ['none', 'invalid', 'accept', reject('invalid')],
    // Offline (network error / timeout): within the bound only.
    ['valid 1h ago', 'unreachable', 'reject', accept(false)],
    ['valid 24h ago', 'unreachable', 'reject', accept(false)],
    ['valid 25h ago', 'unreachable', 'reject', reject('expired_offline')],
    ['valid 25h ago', 'unreachable', 'accept', accept(false)],
    ['invalid', 'unreachable', 'accept', reject('invalid')],
    ['none', 'unreachable', 'reject', reject('unknown_offline')],
    ['none', 'unreachable', 'accept', accept(false)],
    // The cloud answered 5xx/429: not offline, and not proof of anything.
    ['valid 1h ago', 'unavailable', 'reject', accept(false)],
    ['valid 25h ago', 'unavailable', 'accept', unavailable],
    ['invalid', 'unavailable', 'accept', reject('invalid')],
    ['none', 'unavailable', 'accept', unavailable],
    ['none', 'unavailable', 'reject', unavailable],
  ];
  it.each(rows)('remembered %s, cloud %s, unknown offline → %s: %j', (r, cloud, offlineUnknown, want) => {
    expect(
      decideToken({ remembered: remembered(r), cloud, nowMs: NOW, offlineTrustMs: BOUND, offlineUnknown }),
    ).toEqual(want);
  });
});
