/**
 * Zone editing on a camera frame, as pure functions over one state (the page only renders it): zones are
 * polygons in fractions of the frame (0,0 top-left), so they survive the edge's resolution; a box zone from the
 * API becomes its four corners. Drawing adds points one click at a time and closes at 3 or more; a vertex can be
 * dragged, inserted on an edge or removed (a polygon keeps at least 3). `problems` says what the cloud would
 * refuse (the rules of edge-config zones) before a save is tried.
 */

export interface Point {
  x: number;
  y: number;
}

export interface EditorZone {
  name: string;
  points: Point[];
}

export interface EditorState {
  zones: EditorZone[];
  /** The zone being edited (its vertices can be dragged), or null. */
  selected: number | null;
  /** Points of the polygon being drawn, or null when not drawing. */
  drawing: Point[] | null;
}

/** Edge-config's zone name rule (libs/schema ZONE_NAME_PATTERN). */
export const ZONE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
export const MIN_POINTS = 3;
export const MAX_POINTS = 64;

/** A zone as the API returns it (`CameraZone`). */
export interface ApiZone {
  name: string;
  box?: { x: number; y: number; width: number; height: number } | null;
  polygon?: readonly Point[] | null;
}

export function fromApiZones(zones: readonly ApiZone[]): EditorState {
  return {
    zones: zones.map((z) => ({
      name: z.name,
      points: z.polygon
        ? z.polygon.map((p) => ({ x: p.x, y: p.y }))
        : z.box
          ? [
              { x: z.box.x, y: z.box.y },
              { x: z.box.x + z.box.width, y: z.box.y },
              { x: z.box.x + z.box.width, y: z.box.y + z.box.height },
              { x: z.box.x, y: z.box.y + z.box.height },
            ]
          : [],
    })),
    selected: null,
    drawing: null,
  };
}

/** The `setCameraZones` input: every zone as a polygon, coordinates rounded to 4 decimals (a tenth of a pixel at 1000 px). */
export function toZoneInputs(state: EditorState): { name: string; polygon: Point[] }[] {
  return state.zones.map((z) => ({ name: z.name.trim(), polygon: z.points.map(roundPoint) }));
}

export function clampPoint(p: Point): Point {
  return { x: clamp01(p.x), y: clamp01(p.y) };
}

/** A pointer position over the frame's on-screen rectangle, in fractions of the frame (clamped to it). */
export function pointerToFraction(
  client: { x: number; y: number },
  rect: { left: number; top: number; width: number; height: number },
): Point {
  if (rect.width <= 0 || rect.height <= 0) return { x: 0, y: 0 };
  return clampPoint({ x: (client.x - rect.left) / rect.width, y: (client.y - rect.top) / rect.height });
}

export function startDrawing(state: EditorState): EditorState {
  return { ...state, drawing: [], selected: null };
}

export function cancelDrawing(state: EditorState): EditorState {
  return { ...state, drawing: null };
}

/** Adds a point to the polygon being drawn (up to MAX_POINTS); no-op when not drawing. */
export function addPoint(state: EditorState, p: Point): EditorState {
  if (!state.drawing || state.drawing.length >= MAX_POINTS) return state;
  return { ...state, drawing: [...state.drawing, clampPoint(p)] };
}

/** Closes the polygon being drawn as a new zone (selected), named `name` or the next free "zone N". */
export function finishDrawing(state: EditorState, name?: string): EditorState {
  if (!state.drawing || state.drawing.length < MIN_POINTS) return state;
  const zone = { name: name ?? nextZoneName(state.zones), points: state.drawing };
  return { zones: [...state.zones, zone], selected: state.zones.length, drawing: null };
}

export function selectZone(state: EditorState, index: number | null): EditorState {
  if (index !== null && !state.zones[index]) return state;
  return { ...state, selected: index, drawing: null };
}

export function renameZone(state: EditorState, index: number, name: string): EditorState {
  return updateZone(state, index, (z) => ({ ...z, name }));
}

export function deleteZone(state: EditorState, index: number): EditorState {
  if (!state.zones[index]) return state;
  const selected =
    state.selected === null || state.selected === index
      ? null
      : state.selected > index
        ? state.selected - 1
        : state.selected;
  return { ...state, zones: state.zones.filter((_, i) => i !== index), selected };
}

export function moveVertex(state: EditorState, zone: number, vertex: number, p: Point): EditorState {
  return updateZone(state, zone, (z) =>
    z.points[vertex] ? { ...z, points: z.points.map((q, i) => (i === vertex ? clampPoint(p) : q)) } : z,
  );
}

/** Moves a whole zone by (dx, dy), stopping at the frame's edges (the shape is kept). */
export function moveZone(state: EditorState, zone: number, dx: number, dy: number): EditorState {
  return updateZone(state, zone, (z) => {
    if (z.points.length === 0) return z;
    const xs = z.points.map((p) => p.x);
    const ys = z.points.map((p) => p.y);
    const ddx = Math.min(Math.max(dx, -Math.min(...xs)), 1 - Math.max(...xs));
    const ddy = Math.min(Math.max(dy, -Math.min(...ys)), 1 - Math.max(...ys));
    return { ...z, points: z.points.map((p) => ({ x: p.x + ddx, y: p.y + ddy })) };
  });
}

/** Inserts a vertex after `after` (on the edge to the next one), up to MAX_POINTS. */
export function insertVertex(state: EditorState, zone: number, after: number, p: Point): EditorState {
  return updateZone(state, zone, (z) =>
    z.points.length >= MAX_POINTS || after < 0 || after >= z.points.length
      ? z
      : { ...z, points: [...z.points.slice(0, after + 1), clampPoint(p), ...z.points.slice(after + 1)] },
  );
}

/** Removes a vertex; a polygon keeps at least MIN_POINTS (delete the zone instead). */
export function removeVertex(state: EditorState, zone: number, vertex: number): EditorState {
  return updateZone(state, zone, (z) =>
    z.points.length <= MIN_POINTS || !z.points[vertex]
      ? z
      : { ...z, points: z.points.filter((_, i) => i !== vertex) },
  );
}

/** The first free "zone N". */
export function nextZoneName(zones: readonly EditorZone[]): string {
  const taken = new Set(zones.map((z) => z.name));
  for (let n = 1; ; n++) if (!taken.has(`zone ${n}`)) return `zone ${n}`;
}

/** What the cloud would refuse, one message per problem (empty: the zones can be saved). */
export function problems(state: EditorState): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  state.zones.forEach((z, i) => {
    const name = z.name.trim();
    const label = name ? `"${name}"` : `zone ${i + 1}`;
    if (!ZONE_NAME_PATTERN.test(name))
      out.push(
        `${label}: a name is 1–64 letters, digits, spaces, "_", "." or "-", starting with a letter or digit`,
      );
    else if (seen.has(name)) out.push(`${label}: another zone has this name`);
    seen.add(name);
    if (z.points.length < MIN_POINTS) out.push(`${label}: needs at least ${MIN_POINTS} points`);
    if (z.points.length > MAX_POINTS) out.push(`${label}: has more than ${MAX_POINTS} points`);
    if (z.points.length >= MIN_POINTS && Math.abs(polygonArea(z.points)) < 1e-6)
      out.push(`${label}: has no area (its points are on one line)`);
  });
  return out;
}

/** The polygon's area in squared fractions of the frame (shoelace; the sign is its winding). */
export function polygonArea(points: readonly Point[]): number {
  let twice = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % points.length]!;
    twice += a.x * b.y - b.x * a.y;
  }
  return twice / 2;
}

/** SVG `points` for a viewBox of 0 0 1 1. */
export function svgPoints(points: readonly Point[]): string {
  return points.map((p) => `${p.x},${p.y}`).join(' ');
}

/** Whether the state differs from the saved zones (the Save button's enabled state). */
export function isDirty(state: EditorState, saved: EditorState): boolean {
  return JSON.stringify(toZoneInputs(state)) !== JSON.stringify(toZoneInputs(saved));
}

function updateZone(state: EditorState, index: number, f: (z: EditorZone) => EditorZone): EditorState {
  const zone = state.zones[index];
  if (!zone) return state;
  const next = f(zone);
  // Unchanged: the same state, so a no-op edit neither re-renders nor marks the zones dirty.
  return next === zone ? state : { ...state, zones: state.zones.map((z, i) => (i === index ? next : z)) };
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

function roundPoint(p: Point): Point {
  return { x: Math.round(p.x * 10_000) / 10_000, y: Math.round(p.y * 10_000) / 10_000 };
}
