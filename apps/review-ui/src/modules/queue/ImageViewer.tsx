/**
 * The image, large: wheel or pinch zooms about the pointer, drag pans; for bounding-box detectors a drag
 * draws a box instead (hold Space, or use the middle button, to pan), stored normalised 0..1.
 */
import {
  useCallback,
  useEffect,
  useImperativeHandle,
  useRef,
  useState,
  type PointerEvent,
  type ReactNode,
  type Ref,
} from 'react';
import {
  boxFromPoints,
  distance,
  isTinyBox,
  midpoint,
  panBy,
  toNormalised,
  zoomAt,
  type NormBox,
  type Point,
  type View,
} from './geometry';
import { boxTag, type ReviewBox } from './answers';

export interface ImageViewerHandle {
  zoom: (factor: number) => void;
  reset: () => void;
}

interface Props {
  src: string;
  alt: string;
  drawBoxes: boolean;
  boxes: readonly ReviewBox[];
  onAddBox: (box: NormBox) => void;
  /** The image failed to load (for example an expired signed URL); the parent may pass a fresher `src`. */
  onError?: () => void;
  /** Drawn over the image, in its box (zooms and pans with it), given the fitted image's size in px. */
  overlay?: (size: { w: number; h: number }) => ReactNode;
  ref?: Ref<ImageViewerHandle>;
}

const IDENTITY: View = { scale: 1, x: 0, y: 0 };

export function ImageViewer({ src, alt, drawBoxes, boxes, onAddBox, onError, overlay, ref }: Props) {
  const frameRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const [natural, setNatural] = useState<{ w: number; h: number } | null>(null);
  const [frame, setFrame] = useState<{ w: number; h: number }>({ w: 0, h: 0 });
  const [view, setView] = useState<View>(IDENTITY);
  const [draft, setDraft] = useState<NormBox | null>(null);
  const [failed, setFailed] = useState(false);
  const pointers = useRef(new Map<number, Point>());
  const gesture = useRef<
    | { kind: 'pan'; last: Point }
    | { kind: 'draw'; start: Point }
    | { kind: 'pinch'; dist: number; mid: Point }
    | null
  >(null);
  const space = useRef(false);

  // A new image starts unzoomed.
  useEffect(() => {
    setView(IDENTITY);
    setDraft(null);
    setNatural(null);
    setFailed(false);
  }, [src]);

  useEffect(() => {
    const el = frameRef.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry) setFrame({ w: entry.contentRect.width, h: entry.contentRect.height });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.key === ' ') space.current = true;
    };
    const up = (e: KeyboardEvent) => {
      if (e.key === ' ') space.current = false;
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, []);

  // The image fitted into the frame, keeping its aspect ratio.
  const stage = (() => {
    if (!natural || frame.w === 0 || frame.h === 0) return { w: frame.w, h: frame.h };
    const k = Math.min(frame.w / natural.w, frame.h / natural.h);
    return { w: Math.floor(natural.w * k), h: Math.floor(natural.h * k) };
  })();
  const stageSize = { width: stage.w, height: stage.h };

  const stageRef = useRef<HTMLDivElement>(null);
  const stagePoint = (clientX: number, clientY: number): Point => {
    const r = stageRef.current?.getBoundingClientRect();
    return r ? { x: clientX - r.left, y: clientY - r.top } : { x: 0, y: 0 };
  };

  const zoomBy = useCallback(
    (factor: number, at?: Point) => {
      setView((v) =>
        zoomAt(v, factor, at ?? { x: stage.w / 2, y: stage.h / 2 }, { width: stage.w, height: stage.h }),
      );
    },
    [stage.w, stage.h],
  );

  useImperativeHandle(ref, () => ({ zoom: (f) => zoomBy(f), reset: () => setView(IDENTITY) }), [zoomBy]);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      zoomBy(Math.exp(-e.deltaY * 0.0015), { x: e.clientX - r.left, y: e.clientY - r.top });
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [zoomBy]);

  const normalised = (e: PointerEvent): Point => {
    const r = contentRef.current?.getBoundingClientRect();
    return r ? toNormalised({ x: e.clientX, y: e.clientY }, r) : { x: 0, y: 0 };
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    e.currentTarget.setPointerCapture(e.pointerId);
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()] as [Point, Point];
      setDraft(null);
      gesture.current = { kind: 'pinch', dist: distance(a, b), mid: midpoint(a, b) };
      return;
    }
    const wantsPan = !drawBoxes || space.current || e.button === 1;
    if (wantsPan) gesture.current = { kind: 'pan', last: { x: e.clientX, y: e.clientY } };
    else if (e.button === 0) {
      const start = normalised(e);
      gesture.current = { kind: 'draw', start };
      setDraft(boxFromPoints(start, start));
    }
  };

  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!pointers.current.has(e.pointerId)) return;
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
    const g = gesture.current;
    if (!g) return;
    if (g.kind === 'pinch' && pointers.current.size >= 2) {
      const [a, b] = [...pointers.current.values()] as [Point, Point];
      const dist = distance(a, b);
      const mid = midpoint(a, b);
      const at = stagePoint(mid.x, mid.y);
      setView((v) =>
        panBy(zoomAt(v, dist / (g.dist || dist), at, stageSize), mid.x - g.mid.x, mid.y - g.mid.y, stageSize),
      );
      gesture.current = { kind: 'pinch', dist, mid };
    } else if (g.kind === 'pan') {
      const dx = e.clientX - g.last.x;
      const dy = e.clientY - g.last.y;
      setView((v) => panBy(v, dx, dy, stageSize));
      gesture.current = { kind: 'pan', last: { x: e.clientX, y: e.clientY } };
    } else if (g.kind === 'draw') {
      setDraft(boxFromPoints(g.start, normalised(e)));
    }
  };

  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    pointers.current.delete(e.pointerId);
    const g = gesture.current;
    if (g?.kind === 'draw') {
      const box = boxFromPoints(g.start, normalised(e));
      if (!isTinyBox(box)) onAddBox(box);
      setDraft(null);
    }
    gesture.current = pointers.current.size === 0 ? null : gesture.current;
  };

  return (
    <div className="viewer" ref={frameRef}>
      {failed ? (
        <div className="state state-error viewer-error" role="alert">
          <p>
            The image did not load. Its signed link may have expired: the queue refreshes links every 10 s.
          </p>
        </div>
      ) : null}
      <div
        ref={stageRef}
        className={`viewer-stage${drawBoxes ? ' drawing' : ''}`}
        style={{ width: stage.w || '100%', height: stage.h || '100%' }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onDoubleClick={() => setView(IDENTITY)}
        data-testid="image-stage"
      >
        <div
          ref={contentRef}
          className="viewer-content"
          style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})` }}
        >
          <img
            src={src}
            alt={alt}
            draggable={false}
            onLoad={(e) => setNatural({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })}
            onError={() => {
              setFailed(true);
              onError?.();
            }}
          />
          {overlay && natural && stage.w > 0 ? overlay(stage) : null}
          {boxes.map((b, i) => (
            <div
              key={i}
              className={b.score === null ? 'box' : 'box box-model'}
              style={boxStyle(b)}
              data-testid="box"
            >
              <span className="box-tag">
                {i + 1} · {boxTag(b)}
              </span>
            </div>
          ))}
          {draft ? <div className="box box-draft" style={boxStyle(draft)} /> : null}
        </div>
      </div>
      <div className="viewer-zoom" aria-live="polite">
        {Math.round(view.scale * 100)}%
      </div>
    </div>
  );
}

function boxStyle(b: NormBox) {
  return {
    left: `${b.left * 100}%`,
    top: `${b.top * 100}%`,
    width: `${(b.right - b.left) * 100}%`,
    height: `${(b.bottom - b.top) * 100}%`,
  };
}
