/** Domain-shift classification experiments (thesis §4.4.2): data, classifiers, arms, training, job. */
export * from './types';
export { EXPERIMENT_CONFIGS, resolveConfig, type ExperimentConfig } from './config';
export {
  parseDomainLayout,
  checkSplit,
  toRgbSquare,
  loadImageSet,
  splitValidation,
  capPerClass,
  batchArray,
  type DomainLayout,
  type ImageSet,
  type ImageDecoder,
  type ExperimentFile,
  type Problem,
} from './data';
export { createCnn, loadMobilenetBackbone, createHeadClassifier, defaultKernelPath, type Classifier, type CnnSpec, type MobilenetSpec, type KernelPath } from './classifier';
export { colorJitterSpec, augmentForArm, armAugmenters, usesStyle, type StyleSource } from './arms';
export { contentEmbeddings, buildStylePool, poolStyleSource, onlineStyleSource, poolChoices } from './style';
export { trainRun, runSeeds, accuracy, epochShape, type RunSeeds } from './train';
export { meanStd, summarise } from './summary';
export { runStyleExperiment, planRuns, styleExperimentJob, type ExperimentDeps } from './job';
