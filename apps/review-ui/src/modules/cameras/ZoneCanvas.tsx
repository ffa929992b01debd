/**
 * The camera's frame with its zones over it: an SVG in frame fractions (viewBox 0 0 1 1) for the polygons and
 * HTML handles for the selected zone's vertices (round at any aspect ratio). Clicks add points while drawing;
 * a vertex drags, double-click removes it; an edge's midpoint handle inserts one; the selected polygon drags as
 * a whole. All edits go through zone-editor.ts.
 */
import { useRef, type PointerEvent as ReactPointerEvent } from 'react';
import {
  addPoint,
  insertVertex,
  moveVertex,
  moveZone,
  pointerToFraction,
  removeVertex,
  selectZone,
  svgPoints,
  type EditorState,
  type Point,
} from './zone-editor';

type Drag = { kind: 'vertex'; zone: number; vertex: number } | { kind: 'zone'; zone: number; last: Point };

export function ZoneCanvas({
  frameUrl,
  aspect,
  state,
  onChange,
  localZones,
}: {
  frameUrl: string | null;
  /** Width / height of the frame (the placeholder keeps it without one). */
  aspect: number;
  state: EditorState;
  onChange: (next: EditorState) => void;
  /** Edge-config zones not overridden by a drawn one: shown dashed, not editable here. */
  localZones: readonly { name: string; points: Point[] }[];
}) {
  const stage = useRef<HTMLDivElement>(null);
  const drag = useRef<Drag | null>(null);

  const at = (e: { clientX: number; clientY: number }): Point => {
    const r = stage.current?.getBoundingClientRect();
    return r ? pointerToFraction({ x: e.clientX, y: e.clientY }, r) : { x: 0, y: 0 };
  };

  const startDrag = (e: ReactPointerEvent, d: Drag) => {
    e.stopPropagation();
    e.preventDefault();
    e.currentTarget.setPointerCapture?.(e.pointerId);
    drag.current = d;
  };

  const onPointerMove = (e: ReactPointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const p = at(e);
    if (d.kind === 'vertex') onChange(moveVertex(state, d.zone, d.vertex, p));
    else {
      onChange(moveZone(state, d.zone, p.x - d.last.x, p.y - d.last.y));
      drag.current = { ...d, last: p };
    }
  };

  const onStageDown = (e: ReactPointerEvent) => {
    if (state.drawing) onChange(addPoint(state, at(e)));
    else if (state.selected !== null) onChange(selectZone(state, null));
  };

  const selected = state.selected === null ? null : state.zones[state.selected];
  return (
    <div
      ref={stage}
      className={`zone-stage${state.drawing ? ' zone-drawing' : ''}`}
      // At most 70 % of the window's height, keeping the frame's aspect (the zones are fractions of it).
      style={{ aspectRatio: String(aspect), width: `min(100%, ${(70 * aspect).toFixed(2)}vh)` }}
      onPointerDown={onStageDown}
      onPointerMove={onPointerMove}
      onPointerUp={() => (drag.current = null)}
      onPointerCancel={() => (drag.current = null)}
      data-testid="zone-stage"
    >
      {frameUrl ? (
        <img src={frameUrl} alt="The camera's latest frame" draggable={false} />
      ) : (
        <div className="zone-placeholder muted small">No frame from the edge yet</div>
      )}
      <svg viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true">
        {localZones.map((z) => (
          <polygon key={`local-${z.name}`} className="zone-local" points={svgPoints(z.points)} />
        ))}
        {state.zones.map((z, i) => (
          <polygon
            key={i}
            className={`zone-poly${i === state.selected ? ' zone-selected' : ''}`}
            points={svgPoints(z.points)}
            onPointerDown={(e) => {
              if (state.drawing) return;
              if (i === state.selected) startDrag(e, { kind: 'zone', zone: i, last: at(e) });
              else {
                e.stopPropagation();
                onChange(selectZone(state, i));
              }
            }}
          />
        ))}
        {state.drawing ? <polyline className="zone-draft" points={svgPoints(state.drawing)} /> : null}
      </svg>
      {[...state.zones.map((z, i) => ({ z, i })), ...localZones.map((z) => ({ z, i: -1 }))].map(({ z, i }) =>
        z.points[0] ? (
          <span
            key={`${i}-${z.name}`}
            className={`zone-tag${i === -1 ? ' zone-tag-local' : ''}`}
            style={{
              left: pct(Math.min(...z.points.map((p) => p.x))),
              top: pct(Math.min(...z.points.map((p) => p.y))),
            }}
          >
            {z.name}
          </span>
        ) : null,
      )}
      {state.drawing?.map((p, k) => (
        <span
          key={`d${k}`}
          className="zone-handle zone-handle-draft"
          style={{ left: pct(p.x), top: pct(p.y) }}
        />
      ))}
      {selected && state.selected !== null
        ? selected.points.map((p, v) => {
            const zone = state.selected!;
            const next = selected.points[(v + 1) % selected.points.length]!;
            return [
              <span
                key={`v${v}`}
                className="zone-handle"
                title="Drag to move; double-click to remove"
                style={{ left: pct(p.x), top: pct(p.y) }}
                onPointerDown={(e) => startDrag(e, { kind: 'vertex', zone, vertex: v })}
                onDoubleClick={(e) => {
                  e.stopPropagation();
                  onChange(removeVertex(state, zone, v));
                }}
              />,
              <span
                key={`m${v}`}
                className="zone-handle zone-handle-mid"
                title="Add a point here"
                style={{ left: pct((p.x + next.x) / 2), top: pct((p.y + next.y) / 2) }}
                onPointerDown={(e) => {
                  e.stopPropagation();
                  onChange(insertVertex(state, zone, v, { x: (p.x + next.x) / 2, y: (p.y + next.y) / 2 }));
                }}
              />,
            ];
          })
        : null}
    </div>
  );
}

function pct(v: number): string {
  return `${(v * 100).toFixed(3)}%`;
}
