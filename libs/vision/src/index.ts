/** @intellioptics/vision: backbone, preprocessing, heads, training and model packages. */
export * from './backbone/backbone.cache';
export * from './backbone/int8-backbone';
export * from './backbone/int8-quantizer';
export * from './backbone/backbone.converter';
export * from './backbone/tfjs-model.source';

export * from './preprocess/pipeline-config';
export * from './preprocess/vision-input.error';
export * from './preprocess/image-format';
export * from './preprocess/image.preprocess';

export * from './heads/softmax.head';
export * from './heads/oodd.head';

export * from './training/lbfgs';
export * from './training/softmax-regression';
export * from './training/mahalanobis.fit';
export * from './training/stratified-split';
export * from './training/labelled-folder.loader';
export * from './training/starter-model';
export * from './training/detector-packages';

export * from './package/model-package.types';
export * from './package/model-package.io';

export * from './explain';

export * from './engine/vision.engine';

export * from './detector/coco-classes';
export * from './detector/detection.decode';
export * from './detector/detection.answers';
export * from './detector/centernet.model';
export * from './detector/object-detector';

export * from './ocr/text-reader';
export * from './ocr/db-postprocess';
export * from './ocr/ctc-decode';

export * from './heads/density.head';
export * from './training/density.fit';
export * from './prepare-models';
export * from './builtin/builtin-plan';
export * from './builtin/builtin-answers';

export * from './reasoning';

export * from './detector/count-calibration';
export * from './detector/count-calibration.package';
export * from './heads/density-head.package';
export * from './heads/density-head.answer';
