/**
 * State of the Style panel's live preview (kept while the user visits other views): the content
 * images, the randomisation controls, the statistics and style image in use, the worker's status
 * and the tiles it sent back.
 */
import { create } from 'zustand';
import type { PickedFile } from '../../../ui/Dropzone';
import type { EmbeddingStats, StyleRandomOptions } from '../randomize';
import type { InitProgress, InitResult, PreviewRowInfo, PreviewTile, TransformerId } from '../service/protocol';
import { DEFAULT_TRANSFORMER } from '../service/protocol';
import type { StyleSettings } from '../service/styleCore';

export interface PreviewControls {
  /** Longest side of preview tiles, px. */
  size: number;
  /** Augmented copies per content image. */
  copies: number;
  /** Content images shown (rows). */
  rows: number;
  /** First content image shown (paging through a folder). */
  offset: number;
  alphaKind: 'fixed' | 'range';
  alpha: number;
  alphaRange: [number, number];
  ratio: number;
  mode: StyleRandomOptions['mode'];
  seed: number;
  traditional: boolean;
  transformerId: TransformerId;
  /** Square size of the content for P(c): 256 as trained, smaller is faster on slow GPUs. */
  predictorSize: number;
  demoSeed: number;
}

export const PREVIEW_SIZES = [64, 96, 128, 192, 256] as const;

export const defaultControls: PreviewControls = {
  size: 128,
  copies: 5,
  rows: 2,
  offset: 0,
  alphaKind: 'fixed',
  alpha: 0.5,
  alphaRange: [0, 1],
  ratio: 0.5,
  mode: 'random',
  seed: 1,
  traditional: false,
  transformerId: DEFAULT_TRANSFORMER,
  predictorSize: 256,
  demoSeed: 1,
};

export interface StyleImageState {
  name: string;
  z: number[];
  /** Object URL of the picked file for a thumbnail. */
  url: string;
  width: number;
  height: number;
}

export interface FittedStats {
  stats: EmbeddingStats;
  problems: { path: string; message: string }[];
  files: number;
}

export interface PreviewState {
  controls: PreviewControls;
  /** Dropped content files (sorted by path, images only); empty = demo images. */
  files: PickedFile[];
  dropProblems: string[];
  statsSource: 'default' | 'fitted';
  defaultStats: EmbeddingStats | null;
  defaultStatsError: string | null;
  fitted: FittedStats | null;
  fitError: string | null;
  fitProgress: { done: number; total: number } | null;
  styleImage: StyleImageState | null;
  styleImageError: string | null;
  service: { status: 'idle' | 'loading' | 'ready' | 'error'; progress: InitProgress | null; info: InitResult | null; error: string | null; key: string };
  /** Tiles of the current preview, by `${row}:${copy}`. */
  tiles: Record<string, PreviewTile>;
  rowInfo: PreviewRowInfo[];
  /** Generation of the preview the tiles belong to; tiles of older ones are ignored. */
  generation: number;
  busy: boolean;
  lastMs: number | null;
  workerTensors: number | null;
  previewError: string | null;
  setControls: (c: Partial<PreviewControls>) => void;
}

export const usePreview = create<PreviewState>((set) => ({
  controls: defaultControls,
  files: [],
  dropProblems: [],
  statsSource: 'default',
  defaultStats: null,
  defaultStatsError: null,
  fitted: null,
  fitError: null,
  fitProgress: null,
  styleImage: null,
  styleImageError: null,
  service: { status: 'idle', progress: null, info: null, error: null, key: '' },
  tiles: {},
  rowInfo: [],
  generation: 0,
  busy: false,
  lastMs: null,
  workerTensors: null,
  previewError: null,
  setControls: (c) => set((s) => ({ controls: { ...s.controls, ...c } })),
}));

/** The randomisation options the controls describe. */
export function optionsOf(c: PreviewControls): StyleRandomOptions {
  return { ratio: c.ratio, alpha: c.alphaKind === 'fixed' ? c.alpha : [c.alphaRange[0], c.alphaRange[1]], mode: c.mode, seed: c.seed };
}

/** Everything the style worker needs besides the images and statistics. */
export function settingsOf(c: PreviewControls, styleImage: StyleImageState | null): StyleSettings {
  return { options: optionsOf(c), styleEmbedding: styleImage?.z ?? null, traditional: c.traditional };
}

/** The statistics in use (null while loading or when none could be had). */
export function activeStats(s: Pick<PreviewState, 'statsSource' | 'defaultStats' | 'fitted'>): EmbeddingStats | null {
  return s.statsSource === 'fitted' ? (s.fitted?.stats ?? null) : s.defaultStats;
}
