/**
 * COCO: `<dir>/annotations.json` (images, categories, annotations) with the images in `<dir>/images/` (or beside
 * the JSON). A file whose annotations carry a `bbox` ([x, y, width, height] in pixels) is a detection set: every
 * image gets boxes (none = "no objects"). Without any `bbox`, each image's annotations name its class.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { CliError } from '../errors';
import { isDirectory, type Box, type DatasetItem, type ExportItem } from './dataset';

const CocoSchema = z.object({
  images: z.array(
    z.object({
      id: z.union([z.number(), z.string()]),
      file_name: z.string().min(1),
      width: z.number().positive().optional(),
      height: z.number().positive().optional(),
    }),
  ),
  categories: z.array(z.object({ id: z.union([z.number(), z.string()]), name: z.string().min(1) })),
  annotations: z.array(
    z.object({
      image_id: z.union([z.number(), z.string()]),
      category_id: z.union([z.number(), z.string()]),
      bbox: z.array(z.number()).length(4).optional(),
    }),
  ),
});
type Coco = z.infer<typeof CocoSchema>;

function annotationsFile(dir: string): string {
  const direct = join(dir, 'annotations.json');
  if (existsSync(direct)) return direct;
  const nested = join(dir, 'annotations');
  const candidates = isDirectory(nested)
    ? readdirSync(nested)
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(nested, f))
    : readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(dir, f));
  if (candidates.length === 1) return candidates[0]!;
  throw new CliError(
    `${dir}: put the COCO file at annotations.json (found ${candidates.length} JSON candidates).`,
  );
}

export function readCoco(dir: string): DatasetItem[] {
  const file = annotationsFile(dir);
  const parsed = CocoSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new CliError(`${file} is not a COCO file: ${first.path.join('.')}: ${first.message}`);
  }
  const coco = parsed.data;
  const imageDir = isDirectory(join(dir, 'images')) ? join(dir, 'images') : dir;
  const categories = new Map(coco.categories.map((c) => [String(c.id), c.name]));
  const detection = coco.annotations.some((a) => a.bbox);
  const byImage = new Map<string, Coco['annotations']>();
  for (const a of coco.annotations) {
    const key = String(a.image_id);
    byImage.set(key, [...(byImage.get(key) ?? []), a]);
  }

  return coco.images.map((image) => {
    const anns = byImage.get(String(image.id)) ?? [];
    const names = anns.map((a) => {
      const name = categories.get(String(a.category_id));
      if (!name)
        throw new CliError(
          `${file}: annotation of ${image.file_name} names unknown category ${a.category_id}`,
        );
      return name;
    });
    const classes = [...new Set(names)];
    let boxes: Box[] | null = null;
    if (detection) {
      const { width, height } = image;
      if (!width || !height)
        throw new CliError(`${file}: image ${image.file_name} needs width and height for its boxes`);
      boxes = anns.map((a, i) => {
        const [x, y, w, h] = a.bbox ?? [0, 0, width, height];
        return {
          label: names[i]!,
          left: x! / width,
          top: y! / height,
          right: (x! + w!) / width,
          bottom: (y! + h!) / height,
        };
      });
    }
    const path = join(imageDir, image.file_name);
    if (!existsSync(path)) throw new CliError(`${file}: ${image.file_name} is not in ${imageDir}`);
    return {
      name: image.file_name,
      label: classes.length === 1 ? classes[0]! : null,
      boxes,
      read: () => readFile(path),
    };
  });
}

export async function writeCoco(dir: string, items: ExportItem[]): Promise<void> {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const names = [
    ...new Set(items.flatMap((i) => (i.boxes ? i.boxes.map((b) => b.label) : [i.label]))),
  ].sort();
  const categoryId = new Map(names.map((n, i) => [n, i + 1]));
  const coco: Coco & { info: Record<string, string> } = {
    info: { description: 'Exported by io export', date_created: new Date().toISOString() },
    images: [],
    categories: names.map((name) => ({ id: categoryId.get(name)!, name })),
    annotations: [],
  };
  let annotationId = 0;
  for (const [index, item] of items.entries()) {
    const { width = 0, height = 0 } = await sharp(item.data).metadata();
    const imageId = index + 1;
    coco.images.push({ id: imageId, file_name: item.name, width, height });
    writeFileSync(join(dir, 'images', item.name), item.data);
    if (item.boxes === null) {
      coco.annotations.push({ image_id: imageId, category_id: categoryId.get(item.label)! });
      continue;
    }
    for (const b of item.boxes) {
      const bbox = [b.left * width, b.top * height, (b.right - b.left) * width, (b.bottom - b.top) * height];
      coco.annotations.push({
        image_id: imageId,
        category_id: categoryId.get(b.label)!,
        bbox: bbox.map((v) => Math.round(v * 100) / 100),
        ...{ id: ++annotationId, iscrowd: 0, area: Math.round(bbox[2]! * bbox[3]!) },
      });
    }
  }
  writeFileSync(join(dir, 'annotations.json'), `${JSON.stringify(coco, null, 2)}\n`);
}
