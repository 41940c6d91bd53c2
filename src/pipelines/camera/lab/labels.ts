/**
 * Two-label datasets for the camera-bias experiments (thesis ch. 6): every item gets a class
 * (what the model should learn, e.g. manufacturer) and a camera (what it may cheat with).
 * Labels come from the folder template 'class/camera', from chosen columns of a CSV/JSON
 * manifest, from the EXIF camera make/model recorded at ingest (`exif_camera`), or from label
 * keys the items already carry. Items that cannot be labelled are listed in `problems` with a
 * reason instead of failing the whole dataset; a problem with path '' concerns the whole source
 * (e.g. a manifest column that does not exist).
 */
import { labelsFromPath } from '../../../core/data/labels';
import { joinManifest, type ParsedManifest } from '../../../core/data/manifest';
import { normaliseCamera } from '../../../core/data/exif';
import { normalisePath } from '../../../core/data/path';
import type { Labels } from '../../../core/data/types';

/** One image with its two labels. */
export interface CameraItem {
  id: number;
  path: string;
  cls: string;
  camera: string;
}

export interface LabelProblem {
  /** The item's path, a manifest path (rows matching no file), or '' for the whole source. */
  path: string;
  reason: string;
}

export interface TwoLabelDataset {
  items: CameraItem[];
  problems: LabelProblem[];
}

/** What the labeller reads: a dataset item (`DatasetItem` fits) or just a path. `id` defaults to the index. */
export interface LabelInput {
  id?: number;
  path: string;
  labels?: Labels;
}

/** Where the class comes from when the camera is read from EXIF. */
export type ClassFrom =
  /** The folder holding the file (template 'class'); `rootPrefixDepth` as in `labelsFromPath`. */
  | { from: 'folder'; rootPrefixDepth?: number }
  /** A label key the items already carry (e.g. 'class' set at ingest, or a joined manifest column). */
  | { from: 'label'; key: string };

export type TwoLabelSource =
  /** Folder template 'class/camera': the last two folder levels. */
  | { kind: 'folder'; rootPrefixDepth?: number }
  /**
   * Manifest columns. `cameraColumn` is one column, or a [make, model] pair normalised like EXIF
   * ("NIKON CORPORATION" + "NIKON D70" → "Nikon D70").
   */
  | { kind: 'manifest'; manifest: ParsedManifest | Map<string, Labels>; classColumn: string; cameraColumn: string | readonly [make: string, model: string] }
  /** Camera from the `exif_camera` label written at ingest; class from `classFrom` (default: the folder). */
  | { kind: 'exif'; classFrom?: ClassFrom }
  /** Label keys already on the items. */
  | { kind: 'labels'; classKey: string; cameraKey: string };

const clean = (s: string | undefined): string => (s ?? '').trim();

function classOf(input: LabelInput, from: ClassFrom): { value: string } | { error: string } {
  if (from.from === 'folder') {
    const r = labelsFromPath(input.path, 'class', { rootPrefixDepth: from.rootPrefixDepth });
    if ('error' in r) return { error: `class from folder: ${r.error}` };
    return { value: r.labels.class };
  }
  const v = clean(input.labels?.[from.key]);
  return v === '' ? { error: `no '${from.key}' label for the class` } : { value: v };
}

function manifestColumns(manifest: ParsedManifest | Map<string, Labels>): string[] | null {
  if (manifest instanceof Map) return null; // unknown up front; checked per row
  return manifest.labelColumns;
}

function fromManifest(inputs: readonly LabelInput[], src: Extract<TwoLabelSource, { kind: 'manifest' }>): TwoLabelDataset {
  const problems: LabelProblem[] = [];
  const cameraCols = typeof src.cameraColumn === 'string' ? [src.cameraColumn] : [...src.cameraColumn];
  const columns = manifestColumns(src.manifest);
  if (columns) {
    const missing = [src.classColumn, ...cameraCols].filter((c) => !columns.includes(c));
    if (missing.length) {
      const list = missing.map((c) => `'${c}'`).join(', ');
      return { items: [], problems: [{ path: '', reason: `manifest has no column ${list} (label columns: ${columns.join(', ') || 'none'})` }] };
    }
  }
  const join = joinManifest(inputs.map((i) => i.path), src.manifest);
  const items: CameraItem[] = [];
  inputs.forEach((input, index) => {
    const path = normalisePath(input.path);
    const row = join.labels[index];
    if (!row) {
      problems.push({ path, reason: 'no manifest row for this file' });
      return;
    }
    const cls = clean(row[src.classColumn]);
    let camera: string;
    if (typeof src.cameraColumn === 'string') camera = clean(row[src.cameraColumn]);
    else camera = normaliseCamera(row[src.cameraColumn[0]], row[src.cameraColumn[1]]) ?? '';
    const missing: string[] = [];
    if (cls === '') missing.push(`class column '${src.classColumn}'`);
    if (camera === '') missing.push(cameraCols.length === 1 ? `camera column '${cameraCols[0]}'` : `camera columns '${cameraCols[0]}'/'${cameraCols[1]}'`);
    if (missing.length) {
      problems.push({ path, reason: `manifest row has no value for ${missing.join(' and ')}` });
      return;
    }
    items.push({ id: input.id ?? index, path, cls, camera });
  });
  for (const p of join.unknownInManifest) problems.push({ path: p, reason: 'manifest row matches no image' });
  for (const a of join.ambiguous) problems.push({ path: a.row, reason: `manifest row fits ${a.files.length > 1 ? `${a.files.length} images` : `'${a.files[0]}' like another row`} ambiguously; not applied` });
  return { items, problems };
}

/** Attach class and camera labels to every input item; see `TwoLabelSource` for the sources. */
export function twoLabelDataset(inputs: readonly LabelInput[], source: TwoLabelSource): TwoLabelDataset {
  if (source.kind === 'manifest') return fromManifest(inputs, source);
  const items: CameraItem[] = [];
  const problems: LabelProblem[] = [];
  inputs.forEach((input, index) => {
    const path = normalisePath(input.path);
    const id = input.id ?? index;
    if (source.kind === 'folder') {
      const r = labelsFromPath(path, 'class/camera', { rootPrefixDepth: source.rootPrefixDepth });
      if ('error' in r) problems.push({ path, reason: r.error });
      else items.push({ id, path, cls: r.labels.class, camera: r.labels.camera });
      return;
    }
    if (source.kind === 'labels') {
      const cls = clean(input.labels?.[source.classKey]);
      const camera = clean(input.labels?.[source.cameraKey]);
      const missing = [cls === '' ? `'${source.classKey}'` : '', camera === '' ? `'${source.cameraKey}'` : ''].filter(Boolean);
      if (missing.length) problems.push({ path, reason: `no ${missing.join(' or ')} label` });
      else items.push({ id, path, cls, camera });
      return;
    }
    // EXIF camera: the label ingest writes from the file's Make/Model tags.
    const camera = clean(input.labels?.exif_camera);
    const cls = classOf(input, source.classFrom ?? { from: 'folder' });
    if (camera !== '' && 'value' in cls) {
      items.push({ id, path, cls: cls.value, camera });
      return;
    }
    const reasons = [camera === '' ? 'no EXIF camera make/model' : '', 'error' in cls ? cls.error : ''].filter(Boolean);
    problems.push({ path, reason: reasons.join('; ') });
  });
  return { items, problems };
}

/** Sorted distinct classes and cameras of a labelled dataset. */
export function labelValues(items: readonly Pick<CameraItem, 'cls' | 'camera'>[]): { classes: string[]; cameras: string[] } {
  const classes = [...new Set(items.map((i) => i.cls))].sort(compareLabels);
  const cameras = [...new Set(items.map((i) => i.camera))].sort(compareLabels);
  return { classes, cameras };
}

/** Natural order for label values, so 'cam10' follows 'cam9' and '2' precedes '10'. */
export function compareLabels(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}
