/** @intellioptics/vision: backbone, preprocessing, heads, training and model packages. */
export type { BackboneInfo, BackboneArtifact, BackbonePrecision } from './backbone/backbone.cache';
export { loadInt8BackboneArtifact, calibrationDir, QUANTIZER_VERSION } from './backbone/int8-backbone';
export type { QuantizeOptions } from './backbone/int8-quantizer';
export { quantizeBackbone } from './backbone/int8-quantizer';
export { loadBackboneArtifact, defaultCacheDir, CONVERTER_VERSION } from './backbone/backbone.cache';
export {
  convertBackbone,
  featureNodeName,
  FEATURE_NODE,
  FEATURE_MAP_NODE,
  FEATURE_MAP_SIZE,
  FEATURE_DIM,
  INPUT_SIZE,
} from './backbone/backbone.converter';
export type { TfjsModelSource } from './backbone/tfjs-model.source';
export { readTfjsModelSource, decodeWeights } from './backbone/tfjs-model.source';

export type { PipelineConfig, ResizeMode, ChannelOrder, Scaling } from './preprocess/pipeline-config';
export {
  DEFAULT_PIPELINE_CONFIG,
  DEFAULT_MAX_INPUT_PIXELS,
  parsePipelineConfig,
  pipelineConfigFromYaml,
  pipelineConfigToYaml,
  sameImageTransform,
} from './preprocess/pipeline-config';
export type { VisionInputErrorCode } from './preprocess/vision-input.error';
export { VisionInputError } from './preprocess/vision-input.error';
export type { ImageFormat } from './preprocess/image-format';
export { sniffImageFormat } from './preprocess/image-format';
export type { PreprocessedImage } from './preprocess/image.preprocess';
export { preprocessImage, assertSupportedImage } from './preprocess/image.preprocess';

export type { SoftmaxHeadParams } from './heads/softmax.head';
export { buildSoftmaxHead, HEAD_INPUT, PROBABILITIES_OUTPUT } from './heads/softmax.head';
export type { MahalanobisHeadParams } from './heads/oodd.head';
export { buildMahalanobisHead, IN_DOMAIN_OUTPUT, DISTANCE_OUTPUT } from './heads/oodd.head';

export type { LbfgsOptions, LbfgsResult, Objective } from './training/lbfgs';
export { minimizeLbfgs } from './training/lbfgs';
export type { SoftmaxFitOptions, SoftmaxModel } from './training/softmax-regression';
export {
  fitSoftmaxRegression,
  softmaxPredict,
  fitTemperature,
  DEFAULT_L2,
} from './training/softmax-regression';
export type { MahalanobisCore, MahalanobisOodd, MahalanobisFitOptions } from './training/mahalanobis.fit';
export {
  fitMahalanobisCore,
  fitMahalanobisOodd,
  mahalanobisDistance,
  inDomainProbability,
} from './training/mahalanobis.fit';
export type { Split } from './training/stratified-split';
export { stratifiedSplit, stratifiedFolds, mulberry32 } from './training/stratified-split';
export type { LabelledImage } from './training/labelled-folder.loader';
export { listLabelledImages, embedLabelledFolder } from './training/labelled-folder.loader';
export type { LabelledFeatures, StarterModelOptions, StarterModels } from './training/starter-model';
export { trainStarterModels, countClassNames, expectedCalibrationError } from './training/starter-model';
export type { DetectorPackages, DetectorPackagesInput } from './training/detector-packages';
export { buildDetectorPackages } from './training/detector-packages';

export type {
  VisionMode,
  ModelKind,
  BackboneRef,
  PredictorMetadata,
  ModelPackage,
  ModelPackageErrorCode,
} from './package/model-package.types';
export { ModelPackageError } from './package/model-package.types';
export type { NewModelPackage } from './package/model-package.io';
export {
  PACKAGE_FILES,
  createModelPackage,
  writeModelPackage,
  readModelPackage,
  installModelPackage,
  listModelVersions,
  modelKindDir,
  sha256Hex,
} from './package/model-package.io';

export type {
  LinearHeadWeights,
  LinearEvidence,
  NeighborIndexMetadata,
  IndexExample,
  NeighborHit,
  OoddReading,
  ExplainInput,
} from './explain';
export {
  readLinearHead,
  linearLogits,
  linearEvidence,
  buildNeighborIndex,
  NeighborIndex,
  NEIGHBOR_INDEX_METHOD,
  ModelExplainer,
  DEFAULT_NEIGHBORS,
  domainStep,
  evidenceReference,
  builtinExplanation,
  blankBaseline,
} from './explain';

export type { VisionEngineOptions, EmbedTimings, HeadOutput, SpatialFeatures } from './engine/vision.engine';
export { VisionEngine, Head, backbonePrecisionFromEnv } from './engine/vision.engine';

export type { CocoClass } from './detector/coco-classes';
export { COCO_CLASSES, resolveCocoClasses } from './detector/coco-classes';
export type { Detection, NormalisedBox, HeadGrid, PeakOptions } from './detector/detection.decode';
export { decodePeaks, nonMaxSuppression, iou } from './detector/detection.decode';
export type { BoxAnswer, BoxLabel, CountAnswer } from './detector/detection.answers';
export { boxAnswer, countAnswer, splitAtThreshold, toRoi } from './detector/detection.answers';
export {
  CENTERNET_INPUT_SIZE,
  CENTERNET_ONNX_SHA256,
  DETECTOR_PIPELINE,
  TFJS_BOX_NODE,
  TFJS_DETECTIONS_NODE,
  TFJS_HEATMAP_NODE,
  readCenternetSource,
  convertCenternet,
} from './detector/centernet.model';
export type { ObjectDetectorOptions, DetectOptions, AnswerOptions } from './detector/object-detector';
export { ObjectDetector, DEFAULT_MIN_SCORE, CANDIDATE_FLOOR } from './detector/object-detector';

export type { TextAnswer, TextLine, TextReaderOptions } from './ocr/text-reader';
export { TextReader } from './ocr/text-reader';
export type { TextBox, DbOptions } from './ocr/db-postprocess';
export { dbBoxes, readingOrder, DEFAULT_DB_OPTIONS } from './ocr/db-postprocess';
export type { DecodedText } from './ocr/ctc-decode';
export { ctcGreedyDecode } from './ocr/ctc-decode';

export type { DensityHeadParams } from './heads/density.head';
export { buildDensityHead, DENSITY_INPUT, DENSITY_OUTPUT, COUNT_OUTPUT } from './heads/density.head';
export type { DensityModel, DensityFitOptions } from './training/density.fit';
export { boxDensityTarget, fitDensityRegression, predictDensity } from './training/density.fit';
export type { PreparedModel } from './prepare-models';
export { prepareVisionModels } from './prepare-models';
export type { BuiltinPlan } from './builtin/builtin-plan';
export { builtinPlan, classSetKey } from './builtin/builtin-plan';
export {
  cocoAnswer,
  ocrAnswer,
  unansweredAnswer,
  OCR_MODEL,
  cocoDetectorRef,
} from './builtin/builtin-answers';

export * from './reasoning';

export type { CountCalibration, CountScoreFeatures, LabelledCount } from './detector/count-calibration';
export {
  binaryEce,
  calibratedCountConfidence,
  countScoreFeatures,
  COUNT_FEATURE_NAMES,
  fitCountCalibration,
  identityCountCalibration,
  shippedCountCalibration,
} from './detector/count-calibration';
export type { CountCalibrationPackageInput } from './detector/count-calibration.package';
export {
  buildCountCalibrationPackage,
  COUNT_CALIBRATION_ALGORITHM,
  countCalibrationOf,
} from './detector/count-calibration.package';
export type { BoxedMap, DensityPackageInput, DensityTrainResult } from './heads/density-head.package';
export {
  buildDensityCountHead,
  buildDensityPackage,
  countClassProbabilities,
  COUNT_PROBABILITIES_OUTPUT,
  DENSITY_ALGORITHM,
  MIN_COUNT_SIGMA,
  trainDensityHead,
} from './heads/density-head.package';
export type { DensityReading, MapOutputs } from './heads/density-head.answer';
export { densityCountAnswer, densityReading, isDensityPackage } from './heads/density-head.answer';
