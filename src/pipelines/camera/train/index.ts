/** Camera-bias models, training, evaluation, adversarial view and the thesis ch. 6 experiments. */
export {
  createResNet, createMobilenetClassifier, createCameraModel, downsampleImages, patchConv, stridedOffset, resnetFeatureWidth,
  exportWeights, importWeights,
  type ResNetSpec, type CameraModelSpec, type CameraModelKind, type WeightsSnapshot,
} from './models';
export {
  trainClassifier, inputBatch, inputRect, testInputs, validateSet, runSeeds, strongColourJitterSpec, INPUT_MODES, AUGMENT_MODES,
  type CameraImageSet, type TrainConfig, type TrainData, type TrainOptions, type TrainHooks, type TrainRunResult, type EpochPoint,
  type InputMode, type AugmentMode, type RunSeeds, type TestInputs,
} from './train';
export { evaluatePredictions, predictLabels, poolPredictions, type Evaluation, type EvaluationGroups, type GroupAccuracy, type CameraBar, type CellAccuracy } from './evaluate';
export { adversarialAttack, classifierLogits, visualisePerturbation, type AdversarialOptions, type AdversarialResult, type LogitsFn } from './adversarial';
export {
  THESIS_TABLES, THESIS_MODELS, thesisColumn, PRESETS, PRESET_LABELS, CAMERA_CONFIGS, presetRows, resolveCameraConfig,
  simulatorData, scaledPrinters, datasetData, centreCrop, experimentSplits, imageSet, cropHeatmaps, codeShare, adversarialComparison, runCameraExperiment, summariseRow,
  type ThesisModel, type ThesisTable, type ExperimentPreset, type ConfigName, type Task, type TrainingKind, type ModelRole, type CameraExperimentConfig,
  type RowSpec, type DatasetItemInput, type ExperimentSource, type CameraExperimentParams, type RunSummary, type RowResult, type HeatmapResult,
  type AdversarialView, type AdversarialExperiment, type CameraExperimentResult, type CameraExperimentPartial, type ExperimentData, type ExperimentSplits,
  type ExperimentDeps,
} from './experiments';
export { cameraExperimentJob, CAMERA_EXPERIMENT_JOB_KIND } from './job';
