/**
 * A detector's policy history for a new model version, built by the training worker from the labelled image
 * queries: each example is what the NEW version would have told the edge about that image (never an answer from
 * a model that trained on it), with the weight of how it came to be labelled.
 *   probabilities: the candidate's out-of-sample ones (its calibration fold's for a training label, its
 *     primary's for a held-out one), tempered; when they do not cover every example, out-of-fold softmax
 *     regression (k folds over every labelled example, the candidate's L2). Either way no example is scored
 *     by a model that saw it;
 *   in-domain: the candidate's OODD model;
 *   neighbours: the candidate's neighbour index (the one the edge reads), the example itself left out;
 *   model age and audit disagreement: 0 (a fresh version; the edge does not track its audits' outcomes yet).
 * labelledProbability comes from the image query's metadata: an edge audit was labelled with P = the edge's
 * audit rate, everything else that reached reviewers (escalations, cloud submissions) with P = 1.
 */
import type { PolicyObservation } from '@intellioptics/decision';
import { classLayout, type DetectorMode } from '@intellioptics/schema';
import { NeighborIndex } from '@intellioptics/vision';
import { outOfFoldProbabilities, temper } from '../calibration.fit';
import type { Candidate } from '../candidate.train';
import type { PolicyHistoryExample } from './policy.fit';

export interface ProvenancedExample {
  id: string;
  features: Float32Array;
  /** The reviewers' label (a class name or one of its aliases). */
  label: string;
  labelledProbability: number;
}

export interface PolicyHistoryInput {
  detector: { mode: DetectorMode; modeConfiguration?: Record<string, unknown> | null };
  candidate: Pick<Candidate, 'classNames' | 'calibration' | 'predict' | 'primary'> &
    Partial<Pick<Candidate, 'outOfSample'>>;
  examples: readonly ProvenancedExample[];
  /** Neighbours the policy reads (the fit's `neighbors` option). */
  neighbors: number;
  folds?: number;
  l2?: number;
  seed?: number;
}

export function policyHistory(input: PolicyHistoryInput): PolicyHistoryExample[] {
  const layout = classLayout(input.detector.mode, input.detector.modeConfiguration);
  const { classNames } = input.candidate;
  const usable = input.examples.flatMap((e) => {
    const k = layout.indexOf(e.label);
    return k === null ? [] : [{ ...e, classIndex: k }];
  });
  if (usable.length === 0) return [];
  const given = input.candidate.outOfSample;
  const oof =
    given && usable.every((u) => given.has(u.id))
      ? usable.map((u) => given.get(u.id)!)
      : outOfFoldProbabilities(
          usable.map((u) => u.features),
          usable.map((u) => u.classIndex),
          classNames.length,
          { folds: input.folds ?? 5, l2: input.l2, seed: input.seed },
        );
  const temperature = input.candidate.calibration.temperature;
  const index = NeighborIndex.load(
    input.candidate.primary.metadata.neighbor_index,
    usable[0]!.features.length,
  );
  const out: PolicyHistoryExample[] = [];
  usable.forEach((u, i) => {
    const p = oof[i];
    if (!p) return; // its fold lacked a class: no honest prediction for it
    const neighborLabels = index
      ? index
          .search(u.features, input.neighbors + 1)
          .filter((h) => h.imageQueryId !== u.id)
          .slice(0, input.neighbors)
          .map((h) => classNames[h.classIndex]!)
      : [];
    const observation: PolicyObservation = {
      classNames,
      probabilities: temper(p, temperature),
      inDomain: input.candidate.predict(u.features).inDomain,
      neighborLabels,
      modelAgeDays: 0,
      auditDisagreement: null,
    };
    out.push({
      id: u.id,
      observation,
      label: classNames[u.classIndex]!,
      labelledProbability: u.labelledProbability,
    });
  });
  return out;
}
