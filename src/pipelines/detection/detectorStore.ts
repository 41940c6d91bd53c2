/**
 * Detection panel state: the editable SIMCEP scene, the loaded detector (main-thread tfjs, on the
 * active backend), its detections, and the threshold. Inference re-runs whenever the scene or the
 * model changes.
 */
import * as tf from '@tensorflow/tfjs';
import { create } from 'zustand';
import { repackModelZip } from '../../core/export/modelZip';
import { Rng, newSeed } from '../../core/rng/rng';
import type { AssignmentKind } from './assignment';
import { inferenceNmsIou } from './assignment';
import type { Box } from './boxes';
import { loadDetectorCheckpoint, type DetectorCheckpointInfo } from './checkpoint';
import { predict, toDetections } from './inference';
import { disposeDetectorWeights, type DetectorConfig, type DetectorWeights } from './model';
import { generateCellImage, randomCell, renderCells, smallSimcepParams, type CellSpec, type ImagingConditions, type SimcepParams } from './simcep';

export interface Scene {
  seed: number;
  size: number;
  cells: CellSpec[];
  imaging: ImagingConditions;
  image: Float32Array;
  width: number;
  height: number;
  /** Ground-truth boxes of the rendered cells (null for an uploaded image without annotations). */
  boxes: Box[] | null;
  source: 'simcep' | 'upload';
  name?: string;
}

export interface LoadedModel {
  name: string;
  weights: DetectorWeights;
  config: DetectorConfig;
  loss: AssignmentKind;
  info: DetectorCheckpointInfo;
  /** The checkpoint as loaded, for handing to evaluation/training jobs. */
  zip: Uint8Array;
}

interface DetectorState {
  scene: Scene | null;
  selected: number | null;
  model: LoadedModel | null;
  modelError: string | null;
  detections: { boxes: Box[]; scores: number[] } | null;
  inferenceMs: number | null;
  threshold: number;
  newScene: (size?: number, seed?: number) => void;
  setCells: (cells: CellSpec[]) => void;
  addCell: (x: number, y: number) => void;
  select: (i: number | null) => void;
  deleteSelected: () => void;
  setUpload: (name: string, image: Float32Array, width: number, height: number) => void;
  setThreshold: (t: number) => void;
  loadModel: (name: string, zip: Uint8Array) => Promise<void>;
  detect: () => Promise<void>;
}

export function sceneParams(size: number): SimcepParams {
  return { ...smallSimcepParams, width: size, height: size, cellCount: [2, Math.max(3, Math.round((size * size) / 1400))] };
}

function render(scene: Omit<Scene, 'image' | 'boxes'>): Scene {
  const out = renderCells(scene.cells, sceneParams(scene.size), new Rng(scene.seed).fork('render'), scene.imaging);
  return { ...scene, image: out.image, boxes: out.boxes, width: out.width, height: out.height };
}

let inferenceSeq = 0;

export const useDetector = create<DetectorState>((set, get) => ({
  scene: null,
  selected: null,
  model: null,
  modelError: null,
  detections: null,
  inferenceMs: null,
  threshold: 0.5,
  newScene(size = 128, seed = newSeed()) {
    const g = generateCellImage(sceneParams(size), new Rng(seed));
    set({ scene: { seed, size, cells: g.cells, imaging: g.imaging, image: g.image, boxes: g.boxes, width: g.width, height: g.height, source: 'simcep' }, selected: null });
    void get().detect();
  },
  setCells(cells) {
    const s = get().scene;
    if (!s || s.source !== 'simcep') return;
    set({ scene: render({ ...s, cells }) });
    void get().detect();
  },
  addCell(x, y) {
    const s = get().scene;
    if (!s || s.source !== 'simcep') return;
    const cell = randomCell(x, y, sceneParams(s.size), new Rng(s.seed).fork(`cell-${s.cells.length}-${Math.round(x)}-${Math.round(y)}`));
    get().setCells([...s.cells, cell]);
    set({ selected: s.cells.length });
  },
  select: (i) => set({ selected: i }),
  deleteSelected() {
    const { scene, selected } = get();
    if (!scene || selected === null) return;
    set({ selected: null });
    get().setCells(scene.cells.filter((_, k) => k !== selected));
  },
  setUpload(name, image, width, height) {
    set({ scene: { seed: 0, size: width, cells: [], imaging: get().scene?.imaging as ImagingConditions, image, width, height, boxes: null, source: 'upload', name }, selected: null });
    void get().detect();
  },
  setThreshold: (threshold) => set({ threshold }),
  async loadModel(name, zip) {
    try {
      // Kept re-packed (model.json and shards only, safe entry names): it is what "Export" saves.
      const clean = repackModelZip(zip, name).zip;
      const { weights, info } = loadDetectorCheckpoint(clean);
      const old = get().model;
      set({ model: { name, weights, config: info.detector, loss: info.loss, info, zip: clean }, modelError: null });
      if (old) disposeDetectorWeights(old.weights);
      await get().detect();
    } catch (e) {
      set({ modelError: `Could not load ${name}: ${(e as Error).message}` });
    }
  },
  async detect() {
    const { scene, model } = get();
    if (!scene || !model) {
      set({ detections: null });
      return;
    }
    const seq = ++inferenceSeq;
    const t0 = performance.now();
    const x = tf.tensor4d(scene.image, [1, scene.height, scene.width, 1]);
    try {
      const [p] = await predict(model.weights, model.config, x);
      if (seq !== inferenceSeq) return; // a newer edit superseded this run
      const d = toDetections(p, scene.width, scene.height, inferenceNmsIou[model.loss]);
      set({ detections: { boxes: d.boxes, scores: d.scores }, inferenceMs: performance.now() - t0 });
    } finally {
      x.dispose();
    }
  },
}));
