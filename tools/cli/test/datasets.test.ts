/** The dataset formats and the label rules on their own (no cloud): what they read, and what they refuse. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importedQueryId } from '../src/commands/datasets.command';
import type { DatasetItem } from '../src/datasets/dataset';
import { parseFormat, readDataset, writeDataset } from '../src/datasets/formats';
import { labelForImport } from '../src/datasets/labels';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'io-datasets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function folder(files: Record<string, string | Buffer>): string {
  const dir = join(tmp, `d${n++}`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}
const png = readFileSync(join(FIXTURES, 'coco/images/smarties.png'));
const item = (label: string | null, boxes: DatasetItem['boxes']): DatasetItem => ({
  name: 'x.png',
  label,
  boxes,
  read: async () => png,
});

describe('readers', () => {
  it('ImageFolder: one folder per class; an empty folder says what layout it expects', () => {
    const items = readDataset('imagefolder', join(FIXTURES, 'imagefolder'));
    expect(items.filter((i) => i.label === 'YES')).toHaveLength(8);
    expect(items.every((i) => i.boxes === null)).toBe(true);
    expect(() => readDataset('imagefolder', folder({ 'notes.txt': 'x' }))).toThrow(
      'has no <class>/<image> files: an ImageFolder holds one folder per class',
    );
  });

  it('COCO: pixel boxes normalised by the image size; images without annotations have no objects', () => {
    const [smarties, coins] = readDataset('coco', join(FIXTURES, 'coco'));
    expect(smarties!.boxes).toHaveLength(14);
    expect(smarties!.boxes![0]).toEqual({
      label: 'sweet',
      left: 350 / 413,
      top: 55 / 356,
      right: 404 / 413,
      bottom: 109 / 356,
    });
    expect(coins!.boxes).toEqual([]);
    expect(coins!.label).toBeNull();
  });

  it('COCO: unknown categories, missing sizes and missing files are named', () => {
    const base = {
      images: [{ id: 1, file_name: 'a.png', width: 10, height: 10 }],
      categories: [{ id: 1, name: 'a' }],
    };
    const unknown = folder({
      'annotations.json': JSON.stringify({ ...base, annotations: [{ image_id: 1, category_id: 7 }] }),
      'a.png': png,
    });
    expect(() => readDataset('coco', unknown)).toThrow('annotation of a.png names unknown category 7');
    const noSize = folder({
      'annotations.json': JSON.stringify({
        images: [{ id: 1, file_name: 'a.png' }],
        categories: base.categories,
        annotations: [{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1] }],
      }),
      'a.png': png,
    });
    expect(() => readDataset('coco', noSize)).toThrow('image a.png needs width and height for its boxes');
    const missing = folder({ 'annotations.json': JSON.stringify({ ...base, annotations: [] }) });
    expect(() => readDataset('coco', missing)).toThrow('a.png is not in');
    expect(() => readDataset('coco', folder({ 'annotations.json': '{"images": 3}' }))).toThrow(
      'is not a COCO file: images',
    );
  });

  it('COCO without boxes: the annotations give the class', () => {
    const dir = folder({
      'annotations.json': JSON.stringify({
        images: [
          { id: 1, file_name: 'a.png' },
          { id: 2, file_name: 'b.png' },
        ],
        categories: [
          { id: 1, name: 'ok' },
          { id: 2, name: 'scratch' },
        ],
        annotations: [
          { image_id: 1, category_id: 2 },
          { image_id: 2, category_id: 1 },
        ],
      }),
      'images/a.png': png,
      'images/b.png': png,
    });
    expect(readDataset('coco', dir).map((i) => [i.name, i.label, i.boxes])).toEqual([
      ['a.png', 'scratch', null],
      ['b.png', 'ok', null],
    ]);
  });

  it('YOLO: names as a map, background images, and a bad label line with its file and line number', () => {
    const dir = folder({
      'data.yaml': 'names:\n  0: sweet\n  1: coin\n',
      'images/train/a.png': png,
      'images/train/b.png': png,
      'labels/train/a.txt': '1 0.5 0.5 0.2 0.4\n',
    });
    const [a, b] = readDataset('yolo', dir);
    expect(a!.boxes).toEqual([{ label: 'coin', left: 0.4, top: 0.3, right: 0.6, bottom: 0.7 }]);
    expect(b).toMatchObject({ name: 'train/b.png', boxes: [] });
    const bad = folder({
      'classes.txt': 'sweet\n',
      'images/a.png': png,
      'labels/a.txt': '0 0.5 0.5\n3 0.1 0.1 0.1 0.1\n',
    });
    expect(() => readDataset('yolo', bad)).toThrow(
      /labels\/a\.txt:1: expected "class cx cy w h" with a class below 1/,
    );
    expect(() => readDataset('yolo', folder({ 'images/a.png': png }))).toThrow(
      'needs data.yaml (names) or classes.txt',
    );
  });

  it('YOLO classification: <split>/<class>/<image>', () => {
    const dir = folder({ 'train/ok/a.png': png, 'val/scratch/b.png': png });
    expect(readDataset('yolo', dir).map((i) => [i.name, i.label])).toEqual([
      ['train/ok/a.png', 'ok'],
      ['val/scratch/b.png', 'scratch'],
    ]);
  });

  it('an unknown format is refused with the list', () => {
    expect(() => parseFormat('voc')).toThrow('Unknown format "voc": use one of imagefolder, coco, yolo.');
  });
});

describe('writers', () => {
  it('COCO written with pixel boxes reads back to the same normalised boxes', async () => {
    const boxes = [{ label: 'sweet', left: 0.1, top: 0.2, right: 0.3, bottom: 0.5 }];
    const out = join(tmp, 'coco-out');
    await writeDataset('coco', out, [{ name: 's.png', label: 'BOUNDING_BOX', boxes, data: png }]);
    const coco = JSON.parse(readFileSync(join(out, 'annotations.json'), 'utf8')) as {
      images: { width: number }[];
    };
    expect(coco.images[0]!.width).toBe(413);
    const [back] = readDataset('coco', out);
    for (const k of ['left', 'top', 'right', 'bottom'] as const)
      expect(back!.boxes![0]![k]).toBeCloseTo(boxes[0]![k], 4);
  });

  it('ImageFolder refuses boxes and names the formats that hold them', async () => {
    await expect(
      writeDataset('imagefolder', join(tmp, 'if-out'), [
        { name: 'a.png', label: 'BOUNDING_BOX', boxes: [], data: png },
      ]),
    ).rejects.toThrow(
      'ImageFolder cannot hold boxes: export a bounding-box detector with --format coco or yolo.',
    );
  });
});

describe('labels for a detector mode', () => {
  const box = { label: 'sweet', left: 0, top: 0, right: 0.5, bottom: 0.5 };

  it('bounding boxes become ROIs; none is NO_OBJECTS; classes alone are refused', () => {
    expect(labelForImport({ mode: 'BOUNDING_BOX' }, item(null, [box]))).toEqual({
      label: 'BOUNDING_BOX',
      rois: [{ label: 'sweet', geometry: { left: 0, top: 0, right: 0.5, bottom: 0.5 } }],
    });
    expect(labelForImport({ mode: 'BOUNDING_BOX' }, item(null, []))).toEqual({
      label: 'NO_OBJECTS',
      rois: null,
    });
    expect(labelForImport({ mode: 'BOUNDING_BOX' }, item('NO_OBJECTS', null))).toEqual({
      label: 'NO_OBJECTS',
      rois: null,
    });
    expect(() => labelForImport({ mode: 'BOUNDING_BOX' }, item('YES', null))).toThrow(
      'a bounding-box detector needs boxes',
    );
  });

  it('counts come from a numeric class or the number of boxes', () => {
    expect(labelForImport({ mode: 'COUNT' }, item('3', null)).label).toBe('3');
    expect(labelForImport({ mode: 'COUNT' }, item(null, [box, box])).label).toBe('2');
    expect(() => labelForImport({ mode: 'COUNT' }, item('many', null))).toThrow(
      'a counting detector needs a number',
    );
  });

  it('classes need one class per image', () => {
    const multi = { mode: 'MULTI_CLASS' as const, mode_configuration: { class_names: ['ok', 'scratch'] } };
    expect(labelForImport(multi, item('scratch', null))).toEqual({ label: 'scratch', rois: null });
    expect(() => labelForImport(multi, item('dent', null))).toThrow(
      `class "dent" is not one of the detector's classes (ok, scratch)`,
    );
    expect(labelForImport({ mode: 'BINARY' }, item('pass', null)).label).toBe('pass');
    expect(() => labelForImport({ mode: 'BINARY' }, item('brick', null))).toThrow(
      'is not a binary answer: name the classes YES and NO (or PASS and FAIL)',
    );
    expect(() => labelForImport({ mode: 'BINARY' }, item(null, [box]))).toThrow(
      'no single class for this image',
    );
  });

  it('an imported image query id is stable per detector and image, and a valid id for the cloud', () => {
    const id = importedQueryId('det_a', png);
    expect(id).toBe(importedQueryId('det_a', png));
    expect(id).not.toBe(importedQueryId('det_b', png));
    expect(id).toMatch(/^iq_[A-Za-z0-9_]{1,64}$/);
  });
});
