/**
 * Whether the edge lets a token in, given what it remembers of the token and what the cloud just said (or
 * that it could not be asked). Pure: `token-decision.test.ts` pins every row.
 *
 * | remembered                          | cloud says            | decision                                    |
 * |-------------------------------------|-----------------------|---------------------------------------------|
 * | anything                            | valid                 | accept (verified now)                       |
 * | anything                            | invalid (401/403)     | reject                                      |
 * | valid, verified ≤ offline bound ago | unreachable / 5xx/429 | accept                                      |
 * | valid, verified > offline bound ago | unreachable           | as unknown                                  |
 * | invalid                             | unreachable / 5xx/429 | reject                                      |
 * | unknown                             | unreachable           | reject (AUTH_OFFLINE_UNKNOWN_TOKENS=accept: |
 * |                                     |                       | accept, not remembered)                     |
 * | unknown or beyond the bound         | 5xx / 429             | unavailable (503 + Retry-After): a cloud    |
 * |                                     |                       | that answers is not offline, and an error   |
 * |                                     |                       | is no proof the token is good               |
 *
 * "Unreachable" is only a network error or a timeout. The offline bound runs from the token's last
 * successful verification by the cloud, which is persisted, so a restart does not reset it.
 */
import type { TokenVerdict } from '../cloud-client/cloud.client';

export interface RememberedToken {
  valid: boolean;
  /** When the cloud last answered for this token (for a valid token: its last successful verification). */
  checkedAt: number;
}

export interface TokenDecisionInput {
  remembered: RememberedToken | null;
  cloud: TokenVerdict;
  nowMs: number;
  offlineTrustMs: number;
  offlineUnknown: 'accept' | 'reject';
}

export type TokenDecision =
  | { kind: 'accept'; remember: boolean }
  | { kind: 'reject'; reason: 'invalid' | 'unknown_offline' | 'expired_offline' }
  | { kind: 'unavailable' };

export function decideToken(input: TokenDecisionInput): TokenDecision {
  const { remembered, cloud } = input;
  if (cloud === 'valid') return { kind: 'accept', remember: true };
  if (cloud === 'invalid') return { kind: 'reject', reason: 'invalid' };
  if (remembered && !remembered.valid) return { kind: 'reject', reason: 'invalid' };
  const trusted = remembered !== null && input.nowMs - remembered.checkedAt <= input.offlineTrustMs;
  if (trusted) return { kind: 'accept', remember: false };
  if (cloud === 'unavailable') return { kind: 'unavailable' };
  if (input.offlineUnknown === 'accept') return { kind: 'accept', remember: false };
  return { kind: 'reject', reason: remembered ? 'expired_offline' : 'unknown_offline' };
}
