/**
 * Every kind of long job the workbench runs, loaded lazily inside the job worker (and by the CLI).
 * Pipelines add their handlers here.
 */
import type { JobHandler } from './protocol';

export interface HandlerEntry {
  /** Whether the worker must initialise a tfjs backend before running it. */
  needsTf: boolean;
  load: () => Promise<JobHandler<never, unknown>>;
}

export const jobHandlers: Record<string, HandlerEntry> = {
  'runtime-check': { needsTf: true, load: async () => (await import('./runtimeCheck')).runtimeCheck as JobHandler<never, unknown> },
  ingest: { needsTf: false, load: async () => (await import('../data/ingest')).ingestJob as JobHandler<never, unknown> },
  'synthetic-dataset': { needsTf: false, load: async () => (await import('../data/synthetic')).syntheticDatasetJob as JobHandler<never, unknown> },
  'detection-train': { needsTf: true, load: async () => (await import('../../pipelines/detection/trainJob')).detectionTrainJob as JobHandler<never, unknown> },
  'detection-evaluate': { needsTf: true, load: async () => (await import('../../pipelines/detection/evaluateJob')).detectionEvaluateJob as JobHandler<never, unknown> },
  'style-augment-dataset': { needsTf: true, load: async () => (await import('../../pipelines/style/augmentDatasetJob')).styleAugmentDatasetJob as JobHandler<never, unknown> },
  'style-experiment': { needsTf: true, load: async () => (await import('../../pipelines/style/experiment/job')).styleExperimentJob as JobHandler<never, unknown> },
  'detection-finetune': { needsTf: true, load: async () => (await import('../../pipelines/detection/finetuneJob')).detectionFinetuneJob as JobHandler<never, unknown> },
  'phenotype-analysis': { needsTf: false, load: async () => (await import('../../pipelines/phenotype/pipeline/analysisJob')).phenotypeAnalysisJob as JobHandler<never, unknown> },
  'phenotype-demo-plate': { needsTf: false, load: async () => (await import('../../pipelines/phenotype/demoPlateJob')).demoPlateJob as JobHandler<never, unknown> },
  'phenotype-features': { needsTf: true, load: async () => (await import('../../pipelines/phenotype/featuresJob')).phenotypeFeaturesJob as JobHandler<never, unknown> },
  'camera-sim-dataset': { needsTf: false, load: async () => (await import('../../pipelines/camera/simDatasetJob')).cameraSimDatasetJob as JobHandler<never, unknown> },
  'camera-experiment': { needsTf: true, load: async () => (await import('../../pipelines/camera/train/job')).cameraExperimentJob as JobHandler<never, unknown> },
};

export type JobKind = keyof typeof jobHandlers;
