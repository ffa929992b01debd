import { describe, expect, it } from 'vitest';
import { weightsFor } from './int8-quantizer';

describe(weightsFor.name, () => {
  it.each([
    ['no /proc/cpuinfo (macOS, Windows)', null, 'int8'],
    ['x86 with AVX-512 VNNI', 'fpu sse2 avx2 avx512f avx512_vnni', 'int8'],
    ['x86 with AVX-VNNI', 'fpu sse2 avx2 avx_vnni', 'int8'],
    ['x86 with AVX2 only (vpmaddubsw saturates)', 'fpu sse sse2 avx avx2 fma', 'uint8'],
    ['ARM (dot-product kernels)', 'fp asimd evtstrm aes pmull sha1 sha2 crc32 asimddp', 'int8'],
  ] as const)('%s → %s weights', (_, flags, encoding) => {
    expect(weightsFor(flags)).toBe(encoding);
  });
});
