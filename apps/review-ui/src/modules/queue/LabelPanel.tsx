/** The answer buttons for the current item's mode (every button names its key). */
import { useState, type FormEvent } from 'react';
import { boxTag, type ReviewBox } from './answers';
import type { LabelMode } from './keyboard';

interface Props {
  mode: LabelMode;
  classes: readonly string[];
  countBuffer: string;
  boxes: readonly ReviewBox[];
  /** COUNT: what Enter submits with nothing typed (the model's count). */
  suggestedCount: number | null;
  /** TEXT: the text the model read, the starting value of the answer. */
  recognisedText: string;
  busy: boolean;
  onLabel: (label: string) => void;
  onCount: (count: number) => void;
  onSubmitBoxes: () => void;
  onRemoveBox: (index: number) => void;
  onSkip: () => void;
}

export function LabelPanel(p: Props) {
  return (
    <div className="label-panel" aria-label="Answer">
      <div className="label-buttons">
        <ModeButtons {...p} />
        <button type="button" className="btn" disabled={p.busy} onClick={p.onSkip}>
          Skip <kbd>S</kbd>
        </button>
      </div>
    </div>
  );
}

function ModeButtons(p: Props) {
  const unclear = (
    <button type="button" className="btn btn-unclear" disabled={p.busy} onClick={() => p.onLabel('UNCLEAR')}>
      Unclear <kbd>U</kbd>
    </button>
  );
  switch (p.mode) {
    case 'BINARY':
      return (
        <>
          <button type="button" className="btn btn-yes" disabled={p.busy} onClick={() => p.onLabel('YES')}>
            Yes <kbd>Y</kbd>
          </button>
          <button type="button" className="btn btn-no" disabled={p.busy} onClick={() => p.onLabel('NO')}>
            No <kbd>N</kbd>
          </button>
          {unclear}
        </>
      );
    case 'MULTI_CLASS':
      return (
        <>
          {p.classes.length === 0 ? (
            <p className="muted small">
              This detector lists no class names (mode_configuration.class_names).
            </p>
          ) : null}
          {p.classes.map((c, i) => (
            <button type="button" key={c} className="btn" disabled={p.busy} onClick={() => p.onLabel(c)}>
              {c} {i < 10 ? <kbd>{(i + 1) % 10}</kbd> : null}
            </button>
          ))}
          {unclear}
        </>
      );
    case 'COUNT':
      return (
        <>
          <span className="count-readout" aria-live="polite" data-testid="count-readout">
            {p.countBuffer || (
              <span className="muted">
                {p.suggestedCount === null ? 'type a number' : `model: ${p.suggestedCount}`}
              </span>
            )}
          </span>
          {p.boxes.length > 0 ? (
            <span className="muted small" data-testid="box-count">
              {p.boxes.length} box{p.boxes.length === 1 ? '' : 'es'} on the image
            </span>
          ) : null}
          <button
            type="button"
            className="btn btn-primary"
            disabled={p.busy || (!p.countBuffer && p.suggestedCount === null)}
            onClick={() => p.onCount(p.countBuffer ? Number(p.countBuffer) : (p.suggestedCount ?? 0))}
          >
            Submit <kbd>Enter</kbd>
          </button>
          {unclear}
        </>
      );
    case 'TEXT':
      return (
        <>
          <TextAnswer busy={p.busy} initial={p.recognisedText} onSubmit={p.onLabel} />
          {unclear}
        </>
      );
    case 'BOUNDING_BOX':
      return (
        <>
          <ol className="box-list">
            {p.boxes.map((b, i) => (
              <li key={i}>
                <span data-testid="box-item">{boxTag(b)}</span>{' '}
                <span className="muted small">
                  {(b.right - b.left).toFixed(2)}×{(b.bottom - b.top).toFixed(2)}
                </span>{' '}
                <button
                  type="button"
                  className="link"
                  onClick={() => p.onRemoveBox(i)}
                  aria-label={`Remove box ${i + 1}`}
                >
                  remove
                </button>
              </li>
            ))}
          </ol>
          <button type="button" className="btn btn-primary" disabled={p.busy} onClick={p.onSubmitBoxes}>
            {p.boxes.length ? `Submit ${p.boxes.length} box${p.boxes.length > 1 ? 'es' : ''}` : 'No objects'}{' '}
            <kbd>Enter</kbd>
          </button>
          {unclear}
        </>
      );
  }
}

function TextAnswer({
  busy,
  initial,
  onSubmit,
}: {
  busy: boolean;
  initial: string;
  onSubmit: (text: string) => void;
}) {
  // Starts from what the model read; the parent remounts this per item (key), so edits never carry over.
  const [text, setText] = useState(initial);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) onSubmit(text.trim());
    setText('');
  };
  return (
    <form className="text-answer" onSubmit={submit}>
      <input
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="Type the text, then Enter"
        aria-label="Text in the image"
        data-testid="text-answer"
      />
      <button type="submit" className="btn btn-primary" disabled={busy || !text.trim()}>
        Submit
      </button>
    </form>
  );
}
