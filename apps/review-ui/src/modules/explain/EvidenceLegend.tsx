import { useMemo } from 'react';
import { legendFor, scaleFor, type EvidenceGrid } from './evidence';

/** The heat map's colour ramp and what its ends mean, with the toggle (the `E` key does the same). */
export function EvidenceLegend({
  grid,
  shown,
  onToggle,
}: {
  grid: EvidenceGrid | null;
  shown: boolean;
  onToggle: () => void;
}) {
  const legend = useMemo(() => (grid ? legendFor(scaleFor(grid.values), grid.label) : null), [grid]);
  return (
    <div className="evidence-bar" data-testid="evidence-bar">
      <button
        type="button"
        className={`btn btn-small${shown ? ' active' : ''}`}
        aria-pressed={shown}
        disabled={!grid}
        onClick={onToggle}
        title={grid ? 'Show or hide where the model looked (E)' : 'The model gave no evidence map'}
      >
        Evidence <kbd>E</kbd>
      </button>
      {legend && shown ? (
        <div className="legend" data-testid="evidence-legend">
          <span className="small muted">{legend.low}</span>
          <span className="legend-ramp" style={{ background: legend.gradient }} />
          <span className="small muted">{legend.high}</span>
        </div>
      ) : !grid ? (
        <span className="small muted">no evidence map for this answer</span>
      ) : null}
    </div>
  );
}
