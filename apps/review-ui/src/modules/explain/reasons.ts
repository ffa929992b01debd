/**
 * The reason chain as the reviewer reads it: each step's kind as an icon and a label, and the sentence that
 * says why an escalation came (its decision step, with the policy's view when there is one). Kinds are the
 * contract's (libs/schema explanation EXPLANATION_STEP_KINDS, type-only here); an unknown kind from a newer
 * server still shows, under its own name.
 */
import type { ExplanationStepKind } from '@intellioptics/schema';

export interface StepView {
  kind: string;
  text: string;
  /** The numbers behind the sentence (JSON from the server; decision steps carry `escalated`). */
  data?: unknown;
  /** A step's own map (a recursive head's map at that refinement step). */
  evidence?: unknown;
}

export interface KindBadge {
  icon: string;
  label: string;
  /** CSS modifier (`step-<tone>`). */
  tone: 'model' | 'domain' | 'confidence' | 'reasoning' | 'policy' | 'rule' | 'decision' | 'other';
}

const BADGES: Record<ExplanationStepKind, KindBadge> = {
  observation: { icon: '◉', label: 'Model saw', tone: 'model' },
  domain: { icon: '◎', label: 'In domain?', tone: 'domain' },
  confidence: { icon: '◐', label: 'Confidence', tone: 'confidence' },
  reasoning: { icon: '↻', label: 'Reasoning', tone: 'reasoning' },
  policy: { icon: '⚖', label: 'Policy', tone: 'policy' },
  rule: { icon: '∧', label: 'Rule', tone: 'rule' },
  decision: { icon: '➜', label: 'Decision', tone: 'decision' },
};

export function badgeFor(kind: string): KindBadge {
  return Object.hasOwn(BADGES, kind)
    ? BADGES[kind as ExplanationStepKind]
    : { icon: '•', label: kind || 'step', tone: 'other' };
}

/** A decision step that sent the image to people (its `data.escalated`, libs/decision explain-decision). */
export function escalatedHere(step: StepView): boolean {
  const data = step.data;
  return (
    step.kind === 'decision' &&
    !!data &&
    typeof data === 'object' &&
    (data as Record<string, unknown>)['escalated'] === true
  );
}

/** Whether the reason chain says the image was escalated (by the edge or the cloud). */
export function wasEscalated(steps: readonly StepView[] | null | undefined): boolean {
  return (steps ?? []).some(escalatedHere);
}

/**
 * Why an escalated image came to people, in the chain's order: each decision step that escalated (the
 * edge's, then the cloud's), then the policy's view (conformal set, neighbours that disagree). Without
 * such steps, the escalation's reason code.
 */
export function whyItCame(steps: readonly StepView[] | null | undefined, reason: string | null): string[] {
  const all = (steps ?? []).filter((s) => s.text.trim());
  const lines = [
    ...all.filter(escalatedHere).map((s) => s.text.trim()),
    ...all
      .filter((s) => s.kind === 'policy')
      .map((s) => s.text.trim())
      .slice(-1),
  ];
  if (lines.length) return lines;
  return reason ? [`Escalated: ${humanReason(reason)}.`] : [];
}

/** An escalation reason code (`LOW_CONFIDENCE`, `out_of_domain`) as words. */
export function humanReason(reason: string): string {
  return reason.replace(/[_-]+/g, ' ').trim().toLowerCase();
}

/** A neighbour's similarity (cosine, -1..1) as the reviewer reads it. */
export function similarityText(similarity: number): string {
  return `${Math.round(similarity * 100)}% similar`;
}
