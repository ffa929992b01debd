/** ImageFolder: `<dir>/<class>/<image>` (torchvision's layout). Classes only: it cannot hold boxes. */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors';
import { isImageFile, type DatasetItem, type ExportItem } from './dataset';

export function readImageFolder(dir: string): DatasetItem[] {
  const items: DatasetItem[] = [];
  for (const cls of readdirSync(dir, { withFileTypes: true })) {
    if (!cls.isDirectory() || cls.name.startsWith('.')) continue;
    for (const file of readdirSync(join(dir, cls.name)).sort()) {
      if (!isImageFile(file)) continue;
      const path = join(dir, cls.name, file);
      items.push({ name: `${cls.name}/${file}`, label: cls.name, boxes: null, read: () => readFile(path) });
    }
  }
  if (items.length === 0) {
    throw new CliError(`${dir} has no <class>/<image> files: an ImageFolder holds one folder per class.`);
  }
  return items;
}

export function writeImageFolder(dir: string, items: ExportItem[]): void {
  if (items.some((i) => i.boxes !== null)) {
    throw new CliError(
      'ImageFolder cannot hold boxes: export a bounding-box detector with --format coco or yolo.',
    );
  }
  for (const item of items) {
    mkdirSync(join(dir, item.label), { recursive: true });
    writeFileSync(join(dir, item.label, item.name), item.data);
  }
}
