/**
 * Ids in the Groundlight format: a prefix (`det_`, `iq_`, …) and 27 base62 characters encoding a KSUID-like
 * 20-byte value: 4 bytes of seconds since the KSUID epoch, 1 byte of milliseconds/4, 15 random bytes. Fixed
 * width and an ASCII-ordered alphabet make ids sort by creation time (to 4 ms) as plain strings.
 */
import { randomBytes } from 'node:crypto';

export const ID_PREFIXES = {
  detector: 'det_',
  imageQuery: 'iq_',
  label: 'lbl_',
  escalation: 'esc_',
  hub: 'hub_',
  modelVersion: 'mv_',
  user: 'usr_',
  apiToken: 'tok_',
  job: 'job_',
  note: 'note_',
  detectorGroup: 'dgp_',
  edgeMetricReport: 'emr_',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KSUID_EPOCH_S = 1_400_000_000;
const BODY_LENGTH = 27;

export const DETECTOR_ID_PATTERN = /^det_[A-Za-z0-9]{27}$/;
export const IMAGE_QUERY_ID_PATTERN = /^iq_[A-Za-z0-9]{27}$/;

export interface IdSource {
  now?: () => number;
  random?: (n: number) => Uint8Array;
}

/** The 27-character base62 body of a time-sortable id. */
export function ksuidBody(source: IdSource = {}): string {
  const nowMs = (source.now ?? Date.now)();
  const random = (source.random ?? ((n: number) => randomBytes(n)))(15);
  const bytes = new Uint8Array(20);
  const seconds = Math.max(0, Math.floor(nowMs / 1000) - KSUID_EPOCH_S);
  new DataView(bytes.buffer).setUint32(0, seconds >>> 0);
  bytes[4] = Math.floor((nowMs % 1000) / 4);
  bytes.set(random.subarray(0, 15), 5);
  return base62(bytes);
}

export function newId(kind: IdKind, source?: IdSource): string {
  return ID_PREFIXES[kind] + ksuidBody(source);
}

/** The creation time encoded in an id made by `newId` (to 4 ms), or null if it is not one of ours. */
export function idTimestamp(id: string): Date | null {
  const body = id.slice(id.indexOf('_') + 1);
  if (body.length !== BODY_LENGTH || !/^[0-9A-Za-z]+$/.test(body)) return null;
  let n = 0n;
  for (const ch of body) n = n * 62n + BigInt(ALPHABET.indexOf(ch));
  const hex = n.toString(16).padStart(40, '0');
  const seconds = parseInt(hex.slice(0, 8), 16);
  const quarterMs = parseInt(hex.slice(8, 10), 16);
  return new Date((seconds + KSUID_EPOCH_S) * 1000 + quarterMs * 4);
}

export function isDetectorId(value: string): boolean {
  return DETECTOR_ID_PATTERN.test(value);
}

function base62(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out.padStart(BODY_LENGTH, '0');
}
