/**
 * A labelled image dataset as the three formats share it. Boxes are normalised to 0..1 (left/top/right/bottom),
 * like the cloud's ROIs; `boxes: null` means the format carries image-level classes only, `[]` means "no objects".
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

export interface Box {
  label: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface DatasetItem {
  /** Path inside the dataset folder (for messages and stored as the image query's metadata). */
  name: string;
  /** Image-level class (folder name, COCO category); null when the format only gives boxes. */
  label: string | null;
  boxes: Box[] | null;
  read(): Promise<Buffer>;
}

/** What an export writes: the image bytes in hand. */
export interface ExportItem {
  name: string;
  label: string;
  boxes: Box[] | null;
  data: Buffer;
}

export const DATASET_FORMATS = ['imagefolder', 'coco', 'yolo'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

const IMAGE_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
};

export const isImageFile = (name: string): boolean => extname(name).toLowerCase() in IMAGE_TYPES;

export const contentTypeOf = (name: string): string =>
  IMAGE_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';

/** Image files below `dir`, as sorted paths relative to it. */
export function listImages(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listImages(dir, rel));
    else if (isImageFile(entry.name)) out.push(rel);
  }
  return out.sort();
}

export const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The extension a content type is saved with (exports name files after it when the name has none). */
export function extensionOf(contentType: string): string {
  if (contentType.includes('png')) return '.png';
  if (contentType.includes('webp')) return '.webp';
  return '.jpg';
}
