import { readEvidence } from './evidence';
import { badgeFor, type StepView } from './reasons';

/**
 * The reason chain, in order: each step's kind as an icon and a label, then its sentence. A step with its
 * own map (a recursive head's refinement step) has a button that draws that map instead of the answer's.
 */
export function ReasonChain({
  steps,
  mapStep = null,
  onMapStep,
}: {
  steps: readonly StepView[];
  mapStep?: number | null;
  onMapStep?: (index: number | null) => void;
}) {
  if (steps.length === 0) return <p className="muted small">No reasons were recorded for this answer.</p>;
  return (
    <ol className="reason-chain" data-testid="reason-chain">
      {steps.map((s, i) => {
        const badge = badgeFor(s.kind);
        return (
          <li key={i} className={`step step-${badge.tone}`} data-testid="reason-step" data-kind={s.kind}>
            <span className="step-icon" aria-hidden="true">
              {badge.icon}
            </span>
            <span className="step-body">
              <span className="step-kind">{badge.label}</span>
              <span className="step-text">{s.text}</span>
            </span>
            {onMapStep && readEvidence(s.evidence) ? (
              <button
                type="button"
                className={`btn btn-small step-map${mapStep === i ? ' active' : ''}`}
                aria-pressed={mapStep === i}
                title="Draw this step's evidence map on the image"
                onClick={() => onMapStep(mapStep === i ? null : i)}
              >
                map
              </button>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}

/** Why an escalation came to people, above everything else on the review screen. */
export function WhyItCame({ lines }: { lines: readonly string[] }) {
  if (lines.length === 0) return null;
  return (
    <div className="why-it-came" role="note" aria-label="Why it came" data-testid="why-it-came">
      <strong className="why-title">Why it came</strong>
      {lines.map((l, i) => (
        <span key={i} className={i === 0 ? 'why-main' : 'why-more'}>
          {l}
        </span>
      ))}
    </div>
  );
}
