/**
 * State of the camera-bias panel: which dataset, how its two labels are read, the split settings,
 * and the resulting two-label items (shared by the audit, the split builder and the experiments).
 */
import { create } from 'zustand';
import type { CameraItem, LabelProblem, TwoLabelSource } from '../lab/labels';
import type { DisjointMapping } from '../lab/splits';

export type TrainKind = 'balanced' | 'partial' | 'disjoint';

export interface SplitSettings {
  seed: number;
  testFraction: number;
  kind: TrainKind;
  /** Partial: cameras used for training. */
  partialCameras: string[];
  /** Disjoint: class → cameras; null = the default mapping. */
  mapping: DisjointMapping | null;
}

interface CameraState {
  datasetId: string | null;
  source: TwoLabelSource;
  items: CameraItem[];
  problems: LabelProblem[];
  split: SplitSettings;
  setDatasetId: (id: string | null) => void;
  setSource: (s: TwoLabelSource) => void;
  setLabelled: (items: CameraItem[], problems: LabelProblem[]) => void;
  setSplit: (s: SplitSettings) => void;
}

export const useCamera = create<CameraState>((set) => ({
  datasetId: null,
  source: { kind: 'labels', classKey: 'class', cameraKey: 'camera' },
  items: [],
  problems: [],
  split: { seed: 1, testFraction: 0.1, kind: 'disjoint', partialCameras: [], mapping: null },
  setDatasetId: (datasetId) => set({ datasetId }),
  setSource: (source) => set({ source }),
  setLabelled: (items, problems) => set({ items, problems }),
  setSplit: (split) => set({ split }),
}));
