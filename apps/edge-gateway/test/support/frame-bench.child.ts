/**
 * Run by tools/bench-edge.ts as a child process (never by vitest): builds the real gateway in this process
 * from the environment and times `ImageQueryService.submitFrame` for one camera frame asked of 1 and of N
 * detectors, interleaved, against whatever INFERENCE_URL serves. Prints one JSON line:
 * `{"one": [ms…], "many": [ms…], "detectors": N, "errors": n}`.
 *
 *   BENCH_DETECTORS=det_a,det_b,… BENCH_IMAGE=frame.jpg BENCH_FRAMES=30 BENCH_ROUNDS=5 tsx frame-bench.child.ts
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { inspectImage } from '@intellioptics/schema';
import { parseEnv } from '../../src/config/env';
import { createLogger } from '../../src/logger';
import { buildServer } from '../../src/server';

const ids = (process.env.BENCH_DETECTORS ?? '').split(',').filter(Boolean);
const bytes = readFileSync(process.env.BENCH_IMAGE ?? '');
const frames = Number(process.env.BENCH_FRAMES ?? 30);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const image = { bytes, info: inspectImage(bytes) };

const gateway = await buildServer({ env: parseEnv(process.env), log: createLogger('warn') });
await gateway.start();
let errors = 0;
const timed = async (detectorIds: string[], into: number[] | null) => {
  const t = performance.now();
  const answers = await gateway.imageQueries.submitFrame(
    { detectorIds, image, metadata: { source: 'bench' } },
    t,
  );
  into?.push(performance.now() - t);
  errors += answers.filter((a) => !a.ok).length;
  if (into === null && answers.some((a) => !a.ok)) {
    const failed = answers.find((a) => !a.ok);
    process.stderr.write(`frame bench: ${failed && !failed.ok ? String(failed.error) : ''}\n`);
  }
};
for (let i = 0; i < 10; i++) {
  await timed(ids.slice(0, 1), null);
  await timed(ids, null);
}
errors = 0;
const one: number[] = [];
const many: number[] = [];
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < frames; i++) {
    await timed(ids.slice(0, 1), one);
    await timed(ids, many);
  }
}
await gateway.close();
process.stdout.write(`${JSON.stringify({ one, many, detectors: ids.length, errors })}\n`);
process.exit(0);
