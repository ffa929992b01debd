import { describe, expect, it } from 'vitest';
import {
  addPoint,
  cancelDrawing,
  deleteZone,
  finishDrawing,
  fromApiZones,
  insertVertex,
  isDirty,
  moveVertex,
  moveZone,
  nextZoneName,
  pointerToFraction,
  problems,
  removeVertex,
  renameZone,
  selectZone,
  startDrawing,
  toZoneInputs,
  type EditorState,
  type Point,
} from './zone-editor';

const p = (x: number, y: number): Point => ({ x, y });
const triangle = [p(0.1, 0.1), p(0.5, 0.1), p(0.3, 0.6)];

function drawn(points: Point[], from: EditorState = fromApiZones([])): EditorState {
  return finishDrawing(points.reduce(addPoint, startDrawing(from)));
}

describe('zone editor', () => {
  it('a box from the API becomes its four corners; saving sends polygons rounded to 4 decimals', () => {
    const s = fromApiZones([
      { name: 'door', box: { x: 0.1, y: 0.2, width: 0.3, height: 0.4 }, polygon: null },
      { name: 'bench', box: null, polygon: [p(0.123456, 0), p(1, 0), p(1, 1)] },
    ]);
    expect(s.zones[0]!.points).toEqual([
      p(0.1, 0.2),
      p(0.4, 0.2),
      p(0.4, 0.6000000000000001),
      p(0.1, 0.6000000000000001),
    ]);
    expect(toZoneInputs(s)).toEqual([
      { name: 'door', polygon: [p(0.1, 0.2), p(0.4, 0.2), p(0.4, 0.6), p(0.1, 0.6)] },
      { name: 'bench', polygon: [p(0.1235, 0), p(1, 0), p(1, 1)] },
    ]);
  });

  it('drawing closes only at 3 points, names the zone "zone N" and selects it; cancel drops the points', () => {
    const two = [p(0, 0), p(0.5, 0)].reduce(addPoint, startDrawing(fromApiZones([])));
    expect(finishDrawing(two)).toBe(two);
    const s = drawn(triangle);
    expect(s.zones).toEqual([{ name: 'zone 1', points: triangle }]);
    expect(s.selected).toBe(0);
    expect(s.drawing).toBeNull();
    expect(drawn(triangle, s).zones.map((z) => z.name)).toEqual(['zone 1', 'zone 2']);
    expect(cancelDrawing(two).drawing).toBeNull();
    // Not drawing: a click adds nothing.
    expect(addPoint(s, p(0.9, 0.9))).toBe(s);
  });

  it('points are clamped to the frame, from clicks and drags alike', () => {
    const rect = { left: 100, top: 50, width: 200, height: 100 };
    expect(pointerToFraction({ x: 150, y: 75 }, rect)).toEqual(p(0.25, 0.25));
    expect(pointerToFraction({ x: 50, y: 500 }, rect)).toEqual(p(0, 1));
    const s = moveVertex(drawn(triangle), 0, 1, p(1.7, -0.2));
    expect(s.zones[0]!.points[1]).toEqual(p(1, 0));
  });

  it('a vertex is inserted on an edge and removed, but a polygon keeps 3 points', () => {
    let s = insertVertex(drawn(triangle), 0, 0, p(0.3, 0));
    expect(s.zones[0]!.points).toEqual([triangle[0], p(0.3, 0), triangle[1], triangle[2]]);
    s = removeVertex(s, 0, 1);
    expect(s.zones[0]!.points).toEqual(triangle);
    expect(removeVertex(s, 0, 0)).toBe(s);
  });

  it('moving a zone keeps its shape and stops at the frame edge', () => {
    const s = moveZone(drawn(triangle), 0, 0.9, -0.5);
    expect(s.zones[0]!.points.map((q) => [q.x, q.y].map((v) => Math.round(v * 1000) / 1000))).toEqual([
      [0.6, 0],
      [1, 0],
      [0.8, 0.5],
    ]);
  });

  it('deleting a zone keeps the selection on the same zone', () => {
    let s = drawn(triangle, drawn(triangle, drawn(triangle)));
    s = selectZone(s, 2);
    s = deleteZone(s, 0);
    expect(s.zones.map((z) => z.name)).toEqual(['zone 2', 'zone 3']);
    expect(s.selected).toBe(1);
    expect(deleteZone(s, 1).selected).toBeNull();
    expect(selectZone(s, 7)).toBe(s);
  });

  it('problems: names as edge-config takes them, unique, and a polygon with area', () => {
    let s = drawn(triangle, drawn(triangle));
    expect(problems(s)).toEqual([]);
    s = renameZone(s, 1, 'zone 1');
    expect(problems(s)).toEqual(['"zone 1": another zone has this name']);
    s = renameZone(s, 1, '../etc');
    expect(problems(s)[0]).toContain('"../etc": a name is 1–64 letters');
    s = renameZone(drawn([p(0, 0), p(0.5, 0.5), p(1, 1)]), 0, 'line');
    expect(problems(s)).toEqual(['"line": has no area (its points are on one line)']);
  });

  it('dirty only when what would be saved differs', () => {
    const saved = fromApiZones([{ name: 'a', polygon: triangle }]);
    expect(isDirty(selectZone(saved, 0), saved)).toBe(false);
    expect(isDirty(renameZone(saved, 0, 'b'), saved)).toBe(true);
    expect(
      nextZoneName([
        { name: 'zone 1', points: [] },
        { name: 'zone 3', points: [] },
      ]),
    ).toBe('zone 2');
  });
});
