/** Image query ids (`iq_…`, time-sortable) from a pooled random source: one crypto call per ~270 ids, not per id. */
import { randomBytes } from 'node:crypto';
import { newId } from '@intellioptics/schema';

let pool = Buffer.alloc(0);
let poolAt = 0;

function pooledRandom(n: number): Uint8Array {
  if (poolAt + n > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

export function newImageQueryId(): string {
  return newId('imageQuery', { random: pooledRandom });
}
