/**
 * Split builder for the camera-bias experiments (thesis §6.3–6.4). One fixed, balanced test set is
 * drawn first: the same number of images from every class × camera cell, so camera carries no
 * information about class at test time. Training sets are then drawn from the remaining images:
 *
 * - Balanced: every camera, every class, no camera/class correlation;
 * - Partial: only a chosen subset of cameras, still no correlation;
 * - Disjoint: each camera contributes only the class it is mapped to, so camera predicts class
 *   perfectly (thesis default: class 1 ← cameras 1, 2; class 2 ← cameras 3, 4; the rest unused).
 *
 * All draws are seeded (the seed is recorded on every result) and independent of input order:
 * each cell is sorted by id and then shuffled by a stream forked from the seed and the cell.
 */
import { Rng } from '../../../core/rng/rng';
import { compareLabels, labelValues, type CameraItem } from './labels';

/** class → cameras contributing that class (Disjoint). */
export type DisjointMapping = Record<string, string[]>;

/** Thrown when a split cannot be built; `problems` lists every reason. */
export class SplitError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('; '));
    this.name = 'SplitError';
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------
// Cells

const cellKey = (cls: string, camera: string) => JSON.stringify([cls, camera]);

function groupCells(items: readonly CameraItem[]): Map<string, CameraItem[]> {
  const cells = new Map<string, CameraItem[]>();
  for (const it of items) {
    const k = cellKey(it.cls, it.camera);
    let list = cells.get(k);
    if (!list) cells.set(k, (list = []));
    list.push(it);
  }
  for (const list of cells.values()) list.sort((a, b) => a.id - b.id);
  return cells;
}

/** The first `n` of a cell after a seeded shuffle (the cell is sorted by id, so input order is irrelevant). */
function draw(cell: readonly CameraItem[], n: number, rng: Rng): CameraItem[] {
  return rng.shuffle([...cell]).slice(0, n);
}

function checkIds(items: readonly CameraItem[]): string[] {
  const seen = new Set<number>();
  const dup = new Set<number>();
  for (const it of items) (seen.has(it.id) ? dup : seen).add(it.id);
  return dup.size ? [`item ids must be unique; repeated: ${[...dup].slice(0, 5).join(', ')}${dup.size > 5 ? ', …' : ''}`] : [];
}

// ---------------------------------------------------------------------------------------------
// Test set

export interface TestSetOptions {
  seed: number;
  /** Share of each cell wanted for testing; the count per cell is the minimum over cells of floor(fraction × cell size). Default 0.1 (as in §6.3). */
  fraction?: number;
  /** Explicit count per cell (overrides `fraction`). */
  perCell?: number;
}

export interface TestSet {
  seed: number;
  fraction: number;
  perCell: number;
  classes: string[];
  cameras: string[];
  items: CameraItem[];
}

/** Draw the balanced test set: `perCell` images from every class × camera cell. */
export function buildTestSet(items: readonly CameraItem[], opts: TestSetOptions): TestSet {
  const fraction = opts.fraction ?? 0.1;
  const problems = checkIds(items);
  const { classes, cameras } = labelValues(items);
  if (classes.length < 2) problems.push(`need at least two classes, found ${classes.length}`);
  if (cameras.length < 2) problems.push(`need at least two cameras, found ${cameras.length}`);
  if (opts.perCell === undefined && !(fraction > 0 && fraction < 1)) problems.push(`test fraction must be between 0 and 1, got ${fraction}`);
  if (opts.perCell !== undefined && !(Number.isInteger(opts.perCell) && opts.perCell >= 1)) problems.push(`test count per cell must be a positive integer, got ${opts.perCell}`);
  if (problems.length) throw new SplitError(problems);

  const cells = groupCells(items);
  let smallest = { cls: '', camera: '', size: Infinity };
  for (const cls of classes) {
    for (const camera of cameras) {
      const size = cells.get(cellKey(cls, camera))?.length ?? 0;
      if (size === 0) problems.push(`no images of class '${cls}' from camera '${camera}': a balanced test set needs every class from every camera`);
      if (size < smallest.size) smallest = { cls, camera, size };
    }
  }
  if (problems.length) throw new SplitError(problems);
  const perCell = opts.perCell ?? Math.floor(fraction * smallest.size);
  const where = `the smallest cell (class '${smallest.cls}', camera '${smallest.camera}') has ${smallest.size} image${smallest.size === 1 ? '' : 's'}`;
  if (perCell === 0) throw new SplitError([`balanced test set would be empty: ${where} and ${(fraction * 100).toFixed(0)}% of it rounds down to 0; raise the fraction or set a count per cell`]);
  if (perCell > smallest.size) throw new SplitError([`cannot take ${perCell} test images per cell: ${where}`]);

  const rng = new Rng(opts.seed).fork('test');
  const test: CameraItem[] = [];
  for (const cls of classes) for (const camera of cameras) test.push(...draw(cells.get(cellKey(cls, camera)) ?? [], perCell, rng.fork(cellKey(cls, camera))));
  return { seed: opts.seed >>> 0, fraction, perCell, classes, cameras, items: test };
}

// ---------------------------------------------------------------------------------------------
// Disjoint mapping

/**
 * Thesis-style default: with classes and cameras in natural order, class i takes the next
 * min(2, ⌊cameras / classes⌋) cameras; leftover cameras are unused (held out as unseen cameras).
 * Five cameras and two classes give class 1 ← cameras 1, 2 and class 2 ← cameras 3, 4.
 */
export function defaultDisjointMapping(classes: readonly string[], cameras: readonly string[]): DisjointMapping {
  const cls = [...classes].sort(compareLabels);
  const cams = [...cameras].sort(compareLabels);
  const per = Math.min(2, Math.floor(cams.length / Math.max(1, cls.length)));
  if (per < 1) throw new SplitError([`Disjoint needs at least one camera per class: ${cls.length} classes but ${cams.length} camera${cams.length === 1 ? '' : 's'}`]);
  return Object.fromEntries(cls.map((c, i) => [c, cams.slice(i * per, (i + 1) * per)]));
}

/** Reasons a mapping is unusable (empty when it is fine). */
export function validateMapping(mapping: DisjointMapping, classes: readonly string[], cameras: readonly string[]): string[] {
  const problems: string[] = [];
  const knownCams = new Set(cameras);
  const owner = new Map<string, string>();
  for (const cls of Object.keys(mapping)) if (!classes.includes(cls)) problems.push(`mapping names unknown class '${cls}'`);
  for (const cls of classes) {
    const cams = mapping[cls] ?? [];
    if (cams.length === 0) problems.push(`class '${cls}' has no camera: every class needs at least one`);
    for (const cam of cams) {
      if (!knownCams.has(cam)) problems.push(`camera '${cam}' (mapped to class '${cls}') is not in the dataset`);
      const prev = owner.get(cam);
      if (prev === cls) problems.push(`camera '${cam}' is listed twice for class '${cls}'`);
      else if (prev !== undefined) problems.push(`camera '${cam}' is mapped to two classes ('${prev}' and '${cls}'); a camera may only feed one class`);
      else owner.set(cam, cls);
    }
  }
  return problems;
}

/** "class A ← cameras X, Y; class B ← camera Z; unused: W". */
export function mappingText(mapping: DisjointMapping, cameras: readonly string[] = []): string {
  const used = new Set(Object.values(mapping).flat());
  const parts = Object.entries(mapping).map(([cls, cams]) => `class ${cls} ← camera${cams.length === 1 ? '' : 's'} ${cams.join(', ')}`);
  const unused = [...cameras].filter((c) => !used.has(c)).sort(compareLabels);
  if (unused.length) parts.push(`unused: ${unused.join(', ')}`);
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------
// Training sets

/**
 * How many images each used cell gives:
 * - 'cells' (default): the same number from every used cell (the smallest used cell after the test set);
 * - 'per-camera': each camera is class-balanced on its own (its smallest used cell), cameras may differ.
 * `perCell` caps the count (an exact count under 'cells').
 */
export interface TrainBalance {
  equalise?: 'cells' | 'per-camera';
  perCell?: number;
}

export type TrainSpec =
  | ({ kind: 'balanced' } & TrainBalance)
  | ({ kind: 'partial'; cameras: string[] } & TrainBalance)
  | ({ kind: 'disjoint'; mapping?: DisjointMapping } & TrainBalance);

export type TrainKind = TrainSpec['kind'];

export interface TrainingSet {
  kind: TrainKind;
  seed: number;
  items: CameraItem[];
  /** Cameras that contribute images, and those left out entirely. */
  cameras: string[];
  unusedCameras: string[];
  /** Disjoint only. */
  mapping?: DisjointMapping;
  mappingText?: string;
  /** Images per used cell, keyed "class|camera" as in `describeSplit`. */
  perCell: Record<string, number>;
  /** Remarks for display (cameras that contribute nothing, etc.). */
  notes: string[];
}

/** Cells (class, camera) a training set draws from. */
function usedCells(spec: TrainSpec, classes: string[], cameras: string[]): { cells: [string, string][]; problems: string[]; mapping?: DisjointMapping } {
  if (spec.kind === 'balanced') return { cells: cameras.flatMap((k) => classes.map((c) => [c, k] as [string, string])), problems: [] };
  if (spec.kind === 'partial') {
    const problems: string[] = [];
    const chosen = [...new Set(spec.cameras)];
    if (chosen.length === 0) problems.push('Partial needs at least one camera');
    for (const k of chosen) if (!cameras.includes(k)) problems.push(`camera '${k}' is not in the dataset`);
    if (chosen.length !== spec.cameras.length) problems.push('a camera is chosen twice');
    const ok = chosen.filter((k) => cameras.includes(k)).sort(compareLabels);
    return { cells: ok.flatMap((k) => classes.map((c) => [c, k] as [string, string])), problems };
  }
  let mapping: DisjointMapping;
  try {
    mapping = spec.mapping ?? defaultDisjointMapping(classes, cameras);
  } catch (e) {
    return { cells: [], problems: e instanceof SplitError ? e.problems : [String(e)] };
  }
  const problems = validateMapping(mapping, classes, cameras);
  const cells = classes.flatMap((c) => (mapping[c] ?? []).map((k) => [c, k] as [string, string]));
  return { cells, problems, mapping };
}

/** Draw a training set from the images not in `test`. `seed` defaults to the test set's seed. */
export function buildTrainingSet(items: readonly CameraItem[], test: TestSet, spec: TrainSpec, seed: number = test.seed): TrainingSet {
  const testIds = new Set(test.items.map((i) => i.id));
  const pool = items.filter((i) => !testIds.has(i.id));
  const { classes, cameras } = test;
  const problems = checkIds(items);
  const { cells, problems: cellProblems, mapping } = usedCells(spec, classes, cameras);
  problems.push(...cellProblems);
  if (spec.perCell !== undefined && !(Number.isInteger(spec.perCell) && spec.perCell >= 1)) problems.push(`count per cell must be a positive integer, got ${spec.perCell}`);
  if (problems.length) throw new SplitError(problems);

  const byCell = groupCells(pool);
  const size = (c: string, k: string) => byCell.get(cellKey(c, k))?.length ?? 0;
  const equalise = spec.equalise ?? 'cells';
  const notes: string[] = [];
  const counts = new Map<string, number>();
  if (equalise === 'cells') {
    let min = Infinity;
    let at: [string, string] = ['', ''];
    for (const [c, k] of cells) if (size(c, k) < min) [min, at] = [size(c, k), [c, k]];
    const n = spec.perCell ?? min;
    if (n > min || n === 0) {
      throw new SplitError([`class '${at[0]}' from camera '${at[1]}' has ${min} image${min === 1 ? '' : 's'} left after the test set${n > min ? `, fewer than the ${n} asked for` : ''}; use equalise 'per-camera' or drop that camera`]);
    }
    for (const [c, k] of cells) counts.set(cellKey(c, k), n);
  } else {
    const camsUsed = [...new Set(cells.map(([, k]) => k))];
    for (const k of camsUsed) {
      const own = cells.filter(([, kk]) => kk === k);
      let n = Math.min(...own.map(([c]) => size(c, k)));
      if (spec.perCell !== undefined) n = Math.min(n, spec.perCell);
      if (n === 0) notes.push(`camera '${k}' contributes nothing: ${own.filter(([c]) => size(c, k) === 0).map(([c]) => `class '${c}'`).join(', ')} has no images left after the test set`);
      for (const [c] of own) counts.set(cellKey(c, k), n);
    }
  }

  const rng = new Rng(seed).fork(`train:${spec.kind}`);
  const train: CameraItem[] = [];
  const perCell: Record<string, number> = {};
  for (const [c, k] of cells) {
    const n = counts.get(cellKey(c, k)) ?? 0;
    train.push(...draw(byCell.get(cellKey(c, k)) ?? [], n, rng.fork(cellKey(c, k))));
    perCell[`${c}|${k}`] = n;
  }
  const contributing = [...new Set(train.map((i) => i.camera))].sort(compareLabels);
  const unusedCameras = cameras.filter((k) => !contributing.includes(k));
  const out: TrainingSet = { kind: spec.kind, seed: seed >>> 0, items: train, cameras: contributing, unusedCameras, perCell, notes };
  if (mapping) {
    out.mapping = mapping;
    out.mappingText = mappingText(mapping, cameras);
  }
  return out;
}

export interface SplitsOptions {
  seed: number;
  testFraction?: number;
  testPerCell?: number;
  trainings: TrainSpec[];
}

export interface Splits {
  seed: number;
  test: TestSet;
  trainings: TrainingSet[];
}

/** The test set and every requested training set, all from one seed. */
export function buildSplits(items: readonly CameraItem[], opts: SplitsOptions): Splits {
  const test = buildTestSet(items, { seed: opts.seed, fraction: opts.testFraction, perCell: opts.testPerCell });
  return { seed: test.seed, test, trainings: opts.trainings.map((s) => buildTrainingSet(items, test, s, opts.seed)) };
}

// ---------------------------------------------------------------------------------------------
// Display

export interface SplitDescription {
  classes: string[];
  cameras: string[];
  /** counts[classIndex][cameraIndex]. */
  counts: number[][];
  classTotals: number[];
  cameraTotals: number[];
  total: number;
  /** Fixed-width table: a row per class, a column per camera, totals last. */
  text: string;
}

/** Counts per class × camera of a set of items (classes/cameras default to those present). */
export function describeSplit(items: readonly Pick<CameraItem, 'cls' | 'camera'>[], classes?: readonly string[], cameras?: readonly string[]): SplitDescription {
  const present = labelValues(items);
  const cls = classes ? [...classes] : present.classes;
  const cams = cameras ? [...cameras] : present.cameras;
  const ci = new Map(cls.map((c, i) => [c, i]));
  const ki = new Map(cams.map((k, i) => [k, i]));
  const counts = cls.map(() => cams.map(() => 0));
  for (const it of items) {
    const a = ci.get(it.cls);
    const b = ki.get(it.camera);
    if (a !== undefined && b !== undefined) counts[a][b]++;
  }
  const classTotals = counts.map((r) => r.reduce((s, v) => s + v, 0));
  const cameraTotals = cams.map((_, j) => counts.reduce((s, r) => s + r[j], 0));
  const total = classTotals.reduce((s, v) => s + v, 0);
  const header = ['class \\ camera', ...cams, 'total'];
  const rows = [header, ...cls.map((c, i) => [c, ...counts[i].map(String), String(classTotals[i])]), ['total', ...cameraTotals.map(String), String(total)]];
  const widths = header.map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  const text = rows.map((r) => r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  ')).join('\n');
  return { classes: cls, cameras: cams, counts, classTotals, cameraTotals, total, text };
}
