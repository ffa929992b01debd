/**
 * YOLO (Ultralytics layouts). Detection: `images/**` with `labels/**.txt` beside them (one `class cx cy w h`
 * line per box, normalised) and the class names in `data.yaml` (`names`) or `classes.txt`; an image without a
 * label file has no objects. Classification: `<split>/<class>/<image>` with split train, val or test.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError } from '../errors';
import { isDirectory, isImageFile, listImages, type Box, type DatasetItem, type ExportItem } from './dataset';

const SPLITS = ['train', 'val', 'test'];

function classNames(dir: string): string[] {
  for (const name of ['data.yaml', 'dataset.yaml']) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const doc = parse(readFileSync(file, 'utf8')) as { names?: unknown } | null;
    const names = doc?.names;
    if (Array.isArray(names)) return names.map(String);
    if (names && typeof names === 'object') {
      return Object.entries(names as Record<string, unknown>)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, v]) => String(v));
    }
    throw new CliError(`${file} has no names: list the class names (names: [a, b]).`);
  }
  const txt = join(dir, 'classes.txt');
  if (existsSync(txt))
    return readFileSync(txt, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  throw new CliError(`${dir}: a YOLO detection set needs data.yaml (names) or classes.txt.`);
}

function readDetection(dir: string): DatasetItem[] {
  const names = classNames(dir);
  return listImages(join(dir, 'images')).map((rel) => {
    const labelFile = join(dir, 'labels', rel.replace(/\.[^.]+$/, '.txt'));
    const lines = existsSync(labelFile) ? readFileSync(labelFile, 'utf8').split('\n') : [];
    const boxes: Box[] = [];
    for (const [n, line] of lines.entries()) {
      if (!line.trim()) continue;
      const [cls, cx, cy, w, h] = line.trim().split(/\s+/).map(Number);
      const label = names[cls!];
      if (label === undefined || [cx, cy, w, h].some((v) => v === undefined || Number.isNaN(v))) {
        throw new CliError(
          `${labelFile}:${n + 1}: expected "class cx cy w h" with a class below ${names.length}`,
        );
      }
      boxes.push({ label, left: cx! - w! / 2, top: cy! - h! / 2, right: cx! + w! / 2, bottom: cy! + h! / 2 });
    }
    const classes = [...new Set(boxes.map((b) => b.label))];
    const path = join(dir, 'images', rel);
    return { name: rel, label: classes.length === 1 ? classes[0]! : null, boxes, read: () => readFile(path) };
  });
}

function readClassification(dir: string): DatasetItem[] {
  const items: DatasetItem[] = [];
  for (const split of SPLITS.filter((s) => isDirectory(join(dir, s)))) {
    for (const cls of readdirSync(join(dir, split), { withFileTypes: true })) {
      if (!cls.isDirectory()) continue;
      for (const file of readdirSync(join(dir, split, cls.name)).sort()) {
        if (!isImageFile(file)) continue;
        const path = join(dir, split, cls.name, file);
        items.push({
          name: `${split}/${cls.name}/${file}`,
          label: cls.name,
          boxes: null,
          read: () => readFile(path),
        });
      }
    }
  }
  return items;
}

export function readYolo(dir: string): DatasetItem[] {
  const items = isDirectory(join(dir, 'images')) ? readDetection(dir) : readClassification(dir);
  if (items.length === 0) {
    throw new CliError(
      `${dir} is not a YOLO dataset: expected images/ + labels/ + data.yaml (detection) or train/<class>/<image> (classification).`,
    );
  }
  return items;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

export function writeYolo(dir: string, items: ExportItem[]): void {
  const detection = items.some((i) => i.boxes !== null);
  if (!detection) {
    for (const item of items) {
      mkdirSync(join(dir, 'train', item.label), { recursive: true });
      writeFileSync(join(dir, 'train', item.label, item.name), item.data);
    }
    return;
  }
  const names = [...new Set(items.flatMap((i) => (i.boxes ?? []).map((b) => b.label)))].sort();
  for (const item of items) {
    const image = join(dir, 'images', item.name);
    mkdirSync(dirname(image), { recursive: true });
    writeFileSync(image, item.data);
    const lines = (item.boxes ?? []).map((b) =>
      [
        names.indexOf(b.label),
        (b.left + b.right) / 2,
        (b.top + b.bottom) / 2,
        b.right - b.left,
        b.bottom - b.top,
      ]
        .map((v, i) => (i === 0 ? String(v) : String(round(v))))
        .join(' '),
    );
    const label = join(dir, 'labels', item.name.replace(/\.[^.]+$/, '.txt'));
    mkdirSync(dirname(label), { recursive: true });
    writeFileSync(label, lines.length ? `${lines.join('\n')}\n` : '');
  }
  writeFileSync(join(dir, 'data.yaml'), stringify({ path: '.', train: 'images', names }));
}
