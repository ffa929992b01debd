/**
 * The model side of a built-in answer's explanation: one observation step naming the boxes (COCO detector) or
 * the text (OCR) the answer rests on. No evidence map (the boxes themselves are the evidence; the edge stores
 * them as the explanation's `rois` / `text_spans`) and no neighbours (no detector-specific training images).
 */
import type { DetectorAnswer, ModelExplanation, Roi } from '@intellioptics/schema';

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

function boxesText(rois: readonly Roi[]): string {
  if (rois.length === 0) return 'no box above the score limit';
  const byLabel = new Map<string, number>();
  for (const r of rois) byLabel.set(r.label, (byLabel.get(r.label) ?? 0) + 1);
  const what = [...byLabel].map(([l, n]) => `${n} ${l}`).join(', ');
  const best = Math.max(...rois.map((r) => r.score));
  return `${rois.length === 1 ? '1 box' : `${rois.length} boxes`} (${what}; best score ${best.toFixed(2)})`;
}

export function builtinExplanation(answer: DetectorAnswer): ModelExplanation {
  const steps: ModelExplanation['steps'] = [];
  if (answer.count) {
    const c = answer.count;
    steps.push({
      kind: 'observation',
      text: `The COCO object detector found ${boxesText(c.rois)}: count ${c.count}${c.greater_than_max ? ' or more (more than max_count)' : ''}, set confidence ${pct(c.confidence)}.`,
      data: {
        count: c.count,
        greater_than_max: c.greater_than_max,
        boxes: c.rois.length,
        confidence: c.confidence,
      },
    });
  } else if (answer.boxes) {
    const b = answer.boxes;
    steps.push({
      kind: 'observation',
      text: `The COCO object detector found ${boxesText(b.rois)}: ${b.label}, set confidence ${pct(b.confidence)}.`,
      data: { label: b.label, boxes: b.rois.length, confidence: b.confidence },
    });
  } else if (answer.text) {
    const t = answer.text;
    steps.push({
      kind: 'observation',
      text:
        t.text.length > 0
          ? `The OCR read "${t.text}"${t.truncated ? ' (cut at value_max_length)' : ''} with confidence ${pct(t.confidence)}.`
          : 'The OCR read no text.',
      data: { text: t.text, truncated: t.truncated, confidence: t.confidence },
    });
  } else if (answer.unanswered) {
    steps.push({
      kind: 'observation',
      text: `No model answered: ${answer.unanswered.detail}`,
      data: { code: answer.unanswered.code },
    });
  }
  return { steps, evidence: null, neighbors: [] };
}
