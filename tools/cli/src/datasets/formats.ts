/** Reading and writing a dataset folder in one of the formats. */
import { CliError } from '../errors';
import { readCoco, writeCoco } from './coco.format';
import {
  DATASET_FORMATS,
  isDirectory,
  type DatasetFormat,
  type DatasetItem,
  type ExportItem,
} from './dataset';
import { readImageFolder, writeImageFolder } from './imagefolder.format';
import { readYolo, writeYolo } from './yolo.format';

export function parseFormat(value: string): DatasetFormat {
  if ((DATASET_FORMATS as readonly string[]).includes(value)) return value as DatasetFormat;
  throw new CliError(`Unknown format ${JSON.stringify(value)}: use one of ${DATASET_FORMATS.join(', ')}.`);
}

export function readDataset(format: DatasetFormat, dir: string): DatasetItem[] {
  if (!isDirectory(dir)) throw new CliError(`${dir} is not a folder.`);
  switch (format) {
    case 'imagefolder':
      return readImageFolder(dir);
    case 'coco':
      return readCoco(dir);
    case 'yolo':
      return readYolo(dir);
  }
}

export async function writeDataset(format: DatasetFormat, dir: string, items: ExportItem[]): Promise<void> {
  switch (format) {
    case 'imagefolder':
      return writeImageFolder(dir, items);
    case 'coco':
      return writeCoco(dir, items);
    case 'yolo':
      return writeYolo(dir, items);
  }
}
