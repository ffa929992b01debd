/**
 * The explanation beside the image: the reason chain in order, then the labelled examples it rests on.
 * (The heat map is drawn on the image itself, by the viewer's overlay; `why it came` sits above the image.)
 */
import { percent } from '../../ui/format';
import { NeighborStrip, type NeighborView } from './NeighborStrip';
import { ReasonChain } from './ReasonChain';
import type { StepView } from './reasons';

export interface ExplanationView {
  label: string | null;
  confidence: number | null;
  steps: readonly StepView[];
  evidence: { rows: number; cols: number; values: readonly number[]; label: string } | null;
  neighbors: readonly NeighborView[];
}

export function ExplanationSide({
  explanation,
  mapStep = null,
  onMapStep,
}: {
  explanation: ExplanationView | null | undefined;
  /** The step whose own map is drawn (null: the answer's). */
  mapStep?: number | null;
  onMapStep?: (index: number | null) => void;
}) {
  return (
    <aside className="explain-side" aria-label="Explanation" data-testid="explanation">
      <h2 className="side-title">
        Why this answer
        {explanation?.label ? (
          <span className="muted">
            {explanation.label}
            {explanation.confidence !== null ? ` · ${percent(explanation.confidence)}` : ''}
          </span>
        ) : null}
      </h2>
      {explanation ? (
        <ReasonChain steps={explanation.steps} mapStep={mapStep} onMapStep={onMapStep} />
      ) : (
        <p className="muted small">No explanation was stored with this image query (it predates them).</p>
      )}
      <h2 className="side-title">Nearest labelled examples</h2>
      <NeighborStrip neighbors={explanation?.neighbors ?? []} />
    </aside>
  );
}
