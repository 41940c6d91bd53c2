/** Messages between the Style panel and its worker (plain, structured-cloneable data). */
import type { BackendName, AdapterSummary } from '../../../core/backend/runtime';
import type { LoadProgress, ModelSource } from '../../../core/models/loader';
import type { AugmentRecord } from '../augment';
import type { EmbeddingStats, StyleRecord } from '../randomize';
import type { RgbImage } from './imageRgb';
import type { StyleSettings } from './styleCore';

export const PREDICTOR_ID = 'magenta-style-predict-int8';
export const TRANSFORMER_IDS = ['magenta-style-transfer-fp16', 'magenta-style-transfer-int8'] as const;
export type TransformerId = (typeof TRANSFORMER_IDS)[number];
export const DEFAULT_TRANSFORMER: TransformerId = 'magenta-style-transfer-fp16';

export interface InitRequest {
  backend: BackendName | 'auto';
  source: ModelSource;
  transformerId: TransformerId;
}

export type InitProgress =
  | { stage: 'backend' }
  | { stage: 'download'; progress: LoadProgress }
  | { stage: 'build' };

export interface InitResult {
  backend: string;
  adapter: AdapterSummary | null;
  fallbacks: { backend: string; reason: string }[];
  /** sha256 of the files used, by model id. */
  models: Record<string, { file: string; sha256: string }>;
  loadMs: number;
}

/** A content image: a file (decoded in the worker) or pixels already in [0, 1]. */
export type ImageSource = { kind: 'file'; blob: Blob; path: string } | { kind: 'rgb'; image: RgbImage };

export interface PreviewRow {
  /** Identifies the content (cache key for its decoded pixels and P(c)); include anything that changes them. */
  key: string;
  source: ImageSource;
  /** Its position in the whole content list: the style randomisation's batch index. */
  batchIndex: number;
}

export interface PreviewRequest {
  rows: PreviewRow[];
  /** Longest side of the preview tiles in pixels. */
  size: number;
  /** Augmented copies per row (the original is sent as well). */
  copies: number;
  /** Square size the content is resized to for P(c) (256 = the predictor's training size). */
  predictorSize: number;
  stats: EmbeddingStats;
  settings: StyleSettings;
}

export interface PreviewTile {
  row: number;
  /** -1 for the original; 0..copies-1 for the augmented copies. */
  copy: number;
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
  record: StyleRecord | null;
  /** The traditional transforms applied to this copy (its entry of the row's AugmentRecord). */
  traditional: AugmentRecord['images'][number] | null;
  ms: number;
}

export interface PreviewRowInfo {
  row: number;
  key: string;
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
  /** P(c), when it was needed. */
  contentEmbedding: number[] | null;
  /** Time spent computing P(c) for this request (0 when cached or not needed). */
  embedMs: number;
  /** The whole row's traditional record (null when off). */
  traditional: AugmentRecord | null;
  error?: string;
}

export interface PreviewResult {
  /** False when a newer request overtook this one before it finished. */
  complete: boolean;
  rows: PreviewRowInfo[];
  ms: number;
  /** tf.memory().numTensors in the worker after the request (should stay flat). */
  numTensors: number;
}

export interface EmbedResult {
  z: number[];
  width: number;
  height: number;
}

export interface FitResult {
  stats: EmbeddingStats;
  problems: { path: string; message: string }[];
}

export type { StyleSettings };
