import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { auditBias } from './audit';
import type { CameraItem } from './labels';
import {
  SplitError,
  buildSplits,
  buildTestSet,
  buildTrainingSet,
  defaultDisjointMapping,
  describeSplit,
  mappingText,
  validateMapping,
  type TrainingSet,
} from './splits';

const CLASSES = ['m1', 'm2'];
const CAMERAS = ['iPhone', 'Huawei', 'Samsung', 'Redmi', 'Vivo'];

/** Cell (class i, camera j) holds 20 + 3j + i images, so cells differ in size. */
function dataset(): CameraItem[] {
  const items: CameraItem[] = [];
  let id = 0;
  CLASSES.forEach((cls, i) => CAMERAS.forEach((camera, j) => {
    for (let t = 0; t < 20 + 3 * j + i; t++) items.push({ id: id++, path: `${cls}/${camera}/${t}.png`, cls, camera });
  }));
  return items;
}

const ids = (xs: readonly CameraItem[]) => xs.map((x) => x.id).sort((a, b) => a - b);
const cellCount = (xs: readonly CameraItem[], cls: string, camera: string) => xs.filter((x) => x.cls === cls && x.camera === camera).length;
const size = (cls: string, camera: string) => 20 + 3 * CAMERAS.indexOf(camera) + CLASSES.indexOf(cls);

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof SplitError) return e.problems;
    throw e;
  }
  return [];
}

describe('buildTestSet', () => {
  it('takes the same number from every class × camera cell', () => {
    const items = dataset();
    const test = buildTestSet(items, { seed: 7, fraction: 0.25 });
    // Smallest cell: (m1, iPhone) with 20 images → ⌊0.25 · 20⌋ = 5 per cell.
    expect(test.perCell).toBe(5);
    expect(test.items).toHaveLength(5 * 10);
    for (const c of CLASSES) for (const k of CAMERAS) expect(cellCount(test.items, c, k)).toBe(5);
    expect(new Set(test.items.map((i) => i.id)).size).toBe(50);
    expect(test.seed).toBe(7);
    expect(auditBias(test.items).cramersV).toBeCloseTo(0, 12);
  });

  it('is fixed by the seed and independent of input order', () => {
    const items = dataset();
    const a = buildTestSet(items, { seed: 123 });
    const shuffled = new Rng(5).shuffle([...items]);
    expect(ids(buildTestSet(shuffled, { seed: 123 }).items)).toEqual(ids(a.items));
    expect(ids(buildTestSet(items, { seed: 124 }).items)).not.toEqual(ids(a.items));
    expect(a.perCell).toBe(2); // default 10% of 20
  });

  it('explains why a balanced test set is impossible', () => {
    const items = dataset().filter((i) => !(i.cls === 'm2' && i.camera === 'Vivo'));
    expect(problemsOf(() => buildTestSet(items, { seed: 1 }))).toEqual(["no images of class 'm2' from camera 'Vivo': a balanced test set needs every class from every camera"]);
    expect(problemsOf(() => buildTestSet(dataset(), { seed: 1, fraction: 0.04 }))).toEqual([
      "balanced test set would be empty: the smallest cell (class 'm1', camera 'iPhone') has 20 images and 4% of it rounds down to 0; raise the fraction or set a count per cell",
    ]);
    expect(problemsOf(() => buildTestSet(dataset(), { seed: 1, perCell: 21 }))[0]).toMatch(/^cannot take 21 test images per cell/);
    expect(problemsOf(() => buildTestSet(dataset().filter((i) => i.camera === 'Vivo'), { seed: 1 }))).toEqual(['need at least two cameras, found 1']);
    const dup = [...dataset(), { id: 0, path: 'x', cls: 'm1', camera: 'Vivo' }];
    expect(problemsOf(() => buildTestSet(dup, { seed: 1 }))).toEqual(['item ids must be unique; repeated: 0']);
  });
});

describe('training sets', () => {
  const items = dataset();
  const test = buildTestSet(items, { seed: 42, fraction: 0.25 });
  const noOverlap = (t: TrainingSet) => {
    const testIds = new Set(test.items.map((i) => i.id));
    expect(t.items.filter((i) => testIds.has(i.id))).toEqual([]);
    expect(new Set(t.items.map((i) => i.id)).size).toBe(t.items.length);
  };

  it('Balanced: every cell equal by default, no correlation', () => {
    const t = buildTrainingSet(items, test, { kind: 'balanced' });
    noOverlap(t);
    // 20 − 5 left in the smallest cell.
    for (const c of CLASSES) for (const k of CAMERAS) expect(cellCount(t.items, c, k)).toBe(15);
    expect(t.cameras).toEqual([...CAMERAS].sort((a, b) => a.localeCompare(b)));
    expect(t.unusedCameras).toEqual([]);
    expect(auditBias(t.items).cramersV).toBeCloseTo(0, 12);
    expect(t.seed).toBe(42);
  });

  it('Balanced per camera: each camera class-balanced on its own, using what is left', () => {
    const t = buildTrainingSet(items, test, { kind: 'balanced', equalise: 'per-camera' });
    noOverlap(t);
    // Camera j keeps min over classes of (20 + 3j + i − 5) = 15 + 3j per class.
    for (const k of CAMERAS) for (const c of CLASSES) expect(cellCount(t.items, c, k)).toBe(size('m1', k) - 5);
    expect(auditBias(t.items).cramersV).toBeCloseTo(0, 12);
    const capped = buildTrainingSet(items, test, { kind: 'balanced', equalise: 'per-camera', perCell: 17 });
    expect(cellCount(capped.items, 'm2', 'Vivo')).toBe(17);
    expect(cellCount(capped.items, 'm2', 'iPhone')).toBe(15);
  });

  it('Partial: only the chosen cameras', () => {
    const t = buildTrainingSet(items, test, { kind: 'partial', cameras: ['Redmi', 'Huawei'] });
    noOverlap(t);
    expect(new Set(t.items.map((i) => i.camera))).toEqual(new Set(['Redmi', 'Huawei']));
    expect(t.unusedCameras.sort()).toEqual(['Samsung', 'Vivo', 'iPhone']);
    // Smallest chosen cell: (m1, Huawei) = 23 − 5.
    for (const c of CLASSES) for (const k of ['Redmi', 'Huawei']) expect(cellCount(t.items, c, k)).toBe(18);
    expect(auditBias(t.items).cramersV).toBeCloseTo(0, 12);
    expect(problemsOf(() => buildTrainingSet(items, test, { kind: 'partial', cameras: ['Nokia'] }))).toEqual(["camera 'Nokia' is not in the dataset"]);
    expect(problemsOf(() => buildTrainingSet(items, test, { kind: 'partial', cameras: [] }))).toEqual(['Partial needs at least one camera']);
  });

  it('Disjoint with the thesis default mapping: no camera feeds two classes', () => {
    const t = buildTrainingSet(items, test, { kind: 'disjoint' });
    noOverlap(t);
    // Natural order of cameras: Huawei, iPhone, Redmi, Samsung, Vivo.
    expect(t.mapping).toEqual({ m1: ['Huawei', 'iPhone'], m2: ['Redmi', 'Samsung'] });
    expect(t.mappingText).toBe('class m1 ← cameras Huawei, iPhone; class m2 ← cameras Redmi, Samsung; unused: Vivo');
    const cams = (c: string) => new Set(t.items.filter((i) => i.cls === c).map((i) => i.camera));
    expect([...cams('m1')].filter((k) => cams('m2').has(k))).toEqual([]);
    expect(t.items.some((i) => i.camera === 'Vivo')).toBe(false);
    expect(t.unusedCameras).toEqual(['Vivo']);
    // Every mapped cell gives the smallest mapped pool: (m1, iPhone) = 20 − 5.
    expect(Object.values(t.perCell)).toEqual([15, 15, 15, 15]);
    const a = auditBias(t.items);
    expect(a.cramersV).toBeCloseTo(1, 12);
    expect(a.cheatAccuracy).toBe(1);
  });

  it('Disjoint with a chosen mapping, and its validation', () => {
    const t = buildTrainingSet(items, test, { kind: 'disjoint', mapping: { m1: ['Vivo'], m2: ['iPhone', 'Samsung', 'Redmi'] }, equalise: 'per-camera' });
    expect(cellCount(t.items, 'm1', 'Vivo')).toBe(size('m1', 'Vivo') - 5);
    expect(cellCount(t.items, 'm2', 'Redmi')).toBe(size('m2', 'Redmi') - 5);
    expect(t.items.filter((i) => i.cls === 'm1').every((i) => i.camera === 'Vivo')).toBe(true);
    expect(t.mappingText).toBe('class m1 ← camera Vivo; class m2 ← cameras iPhone, Samsung, Redmi; unused: Huawei');

    expect(validateMapping({ m1: ['Vivo'], m2: [] }, CLASSES, CAMERAS)).toEqual(["class 'm2' has no camera: every class needs at least one"]);
    expect(validateMapping({ m1: ['Vivo', 'iPhone'], m2: ['iPhone'] }, CLASSES, CAMERAS)).toEqual([
      "camera 'iPhone' is mapped to two classes ('m1' and 'm2'); a camera may only feed one class",
    ]);
    expect(validateMapping({ m1: ['Vivo'], m2: ['Nokia'], m3: ['iPhone'] }, CLASSES, CAMERAS)).toEqual([
      "mapping names unknown class 'm3'",
      "camera 'Nokia' (mapped to class 'm2') is not in the dataset",
    ]);
    expect(problemsOf(() => buildTrainingSet(items, test, { kind: 'disjoint', mapping: { m1: ['Vivo'] } }))).toEqual(["class 'm2' has no camera: every class needs at least one"]);
  });

  it('default mapping for other shapes', () => {
    expect(defaultDisjointMapping(['b', 'a'], ['c4', 'c1', 'c3', 'c2', 'c10', 'c6'])).toEqual({ a: ['c1', 'c2'], b: ['c3', 'c4'] });
    expect(defaultDisjointMapping(['a', 'b', 'c'], ['1', '2', '3', '4'])).toEqual({ a: ['1'], b: ['2'], c: ['3'] });
    expect(problemsOf(() => defaultDisjointMapping(['a', 'b', 'c'], ['1', '2']))).toEqual(['Disjoint needs at least one camera per class: 3 classes but 2 cameras']);
    expect(mappingText({ a: ['1'], b: ['2'] }, ['1', '2'])).toBe('class a ← camera 1; class b ← camera 2');
  });

  it('is deterministic by seed and records it', () => {
    const a = buildSplits(items, { seed: 9, trainings: [{ kind: 'balanced' }, { kind: 'disjoint' }] });
    const b = buildSplits(new Rng(3).shuffle([...items]), { seed: 9, trainings: [{ kind: 'balanced' }, { kind: 'disjoint' }] });
    expect(ids(b.test.items)).toEqual(ids(a.test.items));
    expect(ids(b.trainings[0].items)).toEqual(ids(a.trainings[0].items));
    expect(ids(b.trainings[1].items)).toEqual(ids(a.trainings[1].items));
    expect(a.trainings.map((t) => t.seed)).toEqual([9, 9]);
    const c = buildSplits(items, { seed: 10, trainings: [{ kind: 'balanced' }] });
    expect(ids(c.trainings[0].items)).not.toEqual(ids(a.trainings[0].items));
  });

  it('explains cells left empty by the test set', () => {
    // Like the Dresden crops: one natural image for some cameras, all of it taken by the test set.
    const small: CameraItem[] = [];
    let id = 0;
    for (const camera of ['A', 'B']) for (let t = 0; t < 10; t++) small.push({ id: id++, path: `flat/${camera}/${t}`, cls: 'flat', camera });
    small.push({ id: id++, path: 'natural/A/0', cls: 'natural', camera: 'A' });
    for (let t = 0; t < 3; t++) small.push({ id: id++, path: `natural/B/${t}`, cls: 'natural', camera: 'B' });
    const test = buildTestSet(small, { seed: 1, perCell: 1 });
    expect(problemsOf(() => buildTrainingSet(small, test, { kind: 'balanced' }))).toEqual([
      "class 'natural' from camera 'A' has 0 images left after the test set; use equalise 'per-camera' or drop that camera",
    ]);
    const t = buildTrainingSet(small, test, { kind: 'balanced', equalise: 'per-camera' });
    expect(t.notes).toEqual(["camera 'A' contributes nothing: class 'natural' has no images left after the test set"]);
    expect(t.cameras).toEqual(['B']);
    expect(t.unusedCameras).toEqual(['A']);
    expect(describeSplit(t.items, test.classes, test.cameras).counts).toEqual([[0, 2], [0, 2]]);
  });
});

describe('describeSplit', () => {
  it('counts class × camera cells and renders a table', () => {
    const d = describeSplit([
      { cls: 'm1', camera: 'iPhone' }, { cls: 'm1', camera: 'iPhone' }, { cls: 'm2', camera: 'Vivo' }, { cls: 'm1', camera: 'Vivo' },
    ]);
    expect(d.classes).toEqual(['m1', 'm2']);
    expect(d.cameras).toEqual(['iPhone', 'Vivo']);
    expect(d.counts).toEqual([[2, 1], [0, 1]]);
    expect(d.classTotals).toEqual([3, 1]);
    expect(d.cameraTotals).toEqual([2, 2]);
    expect(d.total).toBe(4);
    expect(d.text.split('\n')).toEqual([
      'class \\ camera  iPhone  Vivo  total',
      'm1                   2     1      3',
      'm2                   0     1      1',
      'total                2     2      4',
    ]);
  });
});
