/**
 * Fits the COCO detector's built-in count calibration on labelled person counts (count-calibration.dataset.ts:
 * windows and 2×2 composites of the repo's photos), measures it on the held-out split, and writes
 * src/detector/count-calibration.data.ts. Run: npx tsx libs/vision/test/fit-count-calibration.main.ts
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabelledCount } from '../src/detector/count-calibration';
import {
  binaryEce,
  calibratedCountConfidence,
  countScoreFeatures,
  fitCountCalibration,
} from '../src/detector/count-calibration';
import { CANDIDATE_FLOOR, DEFAULT_MIN_SCORE, ObjectDetector } from '../src/index';
import type { CountImage } from './count-calibration.dataset';
import { labelledCounts } from './count-calibration.dataset';

/** Labelled images per split (left / right photo halves) and their seeds. */
export const SPLITS = { train: { n: 600, seed: 1 }, test: { n: 600, seed: 2 } } as const;

export async function labelledFeatures(
  detector: ObjectDetector,
  images: readonly CountImage[],
): Promise<LabelledCount[]> {
  const out: LabelledCount[] = [];
  for (const im of images) {
    const candidates = await detector.detect(im.image, { classes: 'person', minScore: CANDIDATE_FLOOR });
    const features = countScoreFeatures(candidates, DEFAULT_MIN_SCORE);
    out.push({ features, correct: features.count === im.count });
  }
  return out;
}

export interface FoldScore {
  fit_on: string;
  scored_on: string;
  examples: number;
  ece_raw: number;
  ece_calibrated: number;
  accuracy: number;
}

const r4 = (v: number): number => Number(v.toFixed(4));

/** Fits on `fit`, scores raw and calibrated confidence on `score`. */
export function scoreFold(
  fit: readonly LabelledCount[],
  score: readonly LabelledCount[],
  names: [string, string],
): FoldScore {
  const cal = fitCountCalibration(fit, { source: names[0] });
  const correct = score.map((e) => e.correct);
  return {
    fit_on: names[0],
    scored_on: names[1],
    examples: score.length,
    ece_raw: r4(
      binaryEce(
        score.map((e) => e.features.raw),
        correct,
      ),
    ),
    ece_calibrated: r4(
      binaryEce(
        score.map((e) => calibratedCountConfidence(cal, e.features)),
        correct,
      ),
    ),
    accuracy: r4(correct.filter(Boolean).length / score.length),
  };
}

async function main(): Promise<void> {
  const detector = await ObjectDetector.load();
  const t0 = performance.now();
  const left = await labelledFeatures(
    detector,
    await labelledCounts('train', SPLITS.train.n, SPLITS.train.seed),
  );
  const right = await labelledFeatures(
    detector,
    await labelledCounts('test', SPLITS.test.n, SPLITS.test.seed),
  );
  const secs = (performance.now() - t0) / 1000;
  const L = `left halves (${left.length}, seed ${SPLITS.train.seed})`;
  const R = `right halves (${right.length}, seed ${SPLITS.test.seed})`;
  const folds = [scoreFold(left, right, [L, R]), scoreFold(right, left, [R, L])];
  for (const f of folds)
    console.log(
      `fit on ${f.fit_on}, scored on ${f.scored_on}: count accuracy ${f.accuracy}, ECE raw ${f.ece_raw} → calibrated ${f.ece_calibrated}`,
    );
  console.log(`(${secs.toFixed(0)} s of detector runs)`);
  const cal = fitCountCalibration([...left, ...right], {
    source: `person counts: windows and 2×2 composites of the repo's photos with hand-drawn person boxes and of people-free photos (count-calibration.dataset.ts), ${L} + ${R}`,
  });
  const data = { ...cal, held_out: folds };
  const file = path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    '../src/detector/count-calibration.data.ts',
  );
  await writeFile(
    file,
    `/** Written by test/fit-count-calibration.main.ts (${new Date().toISOString().slice(0, 10)}): do not edit by hand. */\n` +
      `import type { CountCalibration } from './count-calibration';\n\n` +
      `export const SHIPPED_COUNT_CALIBRATION: CountCalibration | null = ${JSON.stringify(data, null, 2)};\n`,
  );
  await detector.release();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
