import { shortcutHelp, type LabelMode } from './keyboard';

export function HelpOverlay({
  mode,
  classes,
  onClose,
}: {
  mode: LabelMode;
  classes: readonly string[];
  onClose: () => void;
}) {
  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-labelledby="help-title" onClick={onClose}>
      <div className="card overlay-card" onClick={(e) => e.stopPropagation()}>
        <div className="overlay-head">
          <h2 id="help-title">Keyboard shortcuts</h2>
          <button type="button" className="btn btn-ghost" onClick={onClose} aria-label="Close help">
            Esc
          </button>
        </div>
        <table className="shortcuts">
          <tbody>
            {shortcutHelp(mode, classes).map((s) => (
              <tr key={s.keys + s.does}>
                <td>
                  <kbd>{s.keys}</kbd>
                </td>
                <td>{s.does}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">
          Opening an item claims it for you, so no other reviewer gets it; leaving it gives it back.
        </p>
      </div>
    </div>
  );
}
