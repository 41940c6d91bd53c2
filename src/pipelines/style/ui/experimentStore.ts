/**
 * Finished style experiments in the project's IndexedDB `results` store, so a reload lists them.
 * Only the set-up (no image files, no model bytes) and the result are kept.
 */
import { listResults, openWorkbenchDb, putResult, type ResultRecord, type WorkbenchDb } from '../../../core/storage/db';
import type { StyleExperimentParams, StyleExperimentResult } from '../experiment/types';

export const RESULT_PIPELINE = 'style';
export const RESULT_KIND = 'style-experiment';

/** The parameters worth keeping: everything except the files and model bytes. */
export type ExperimentSetup = Omit<StyleExperimentParams, 'files' | 'styleModels' | 'mobilenetFiles' | 'styleStats'> & {
  folder: string;
  fileCount: number;
  customStats: boolean;
  /** Which Magenta transformer file the style arms used. */
  transformer?: 'fp16' | 'int8';
};

export interface SavedExperiment {
  id: string;
  createdAt: number;
  seed: number;
  setup: ExperimentSetup;
  result: StyleExperimentResult;
  /** Device the job ran on, as reported by its worker. */
  backend?: string;
  elapsedSec?: number;
}

export function setupOf(params: StyleExperimentParams, folder: string): ExperimentSetup {
  const { files, styleModels: _m, mobilenetFiles: _n, styleStats, ...rest } = params;
  return { ...rest, folder, fileCount: files.length, customStats: styleStats !== undefined };
}

export function toRecord(e: SavedExperiment): ResultRecord {
  return {
    id: e.id, pipeline: RESULT_PIPELINE, kind: RESULT_KIND, createdAt: e.createdAt, seed: e.seed,
    params: e.setup, data: { result: e.result, backend: e.backend, elapsedSec: e.elapsedSec },
  };
}

export function fromRecord(r: ResultRecord): SavedExperiment | null {
  if (r.pipeline !== RESULT_PIPELINE || r.kind !== RESULT_KIND) return null;
  const data = r.data as { result?: StyleExperimentResult; backend?: string; elapsedSec?: number } | undefined;
  if (!data?.result || !Array.isArray(data.result.runs)) return null;
  return { id: r.id, createdAt: r.createdAt, seed: r.seed, setup: r.params as ExperimentSetup, result: data.result, backend: data.backend, elapsedSec: data.elapsedSec };
}

const listeners = new Set<() => void>();

/** Called after every save or delete (a mounted panel refreshes its list). Returns the unsubscribe. */
export function onExperimentsChanged(cb: () => void): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

function changed(): void {
  for (const cb of listeners) cb();
}

export async function saveExperiment(e: SavedExperiment, db?: WorkbenchDb): Promise<void> {
  await putResult(db ?? (await openWorkbenchDb()), toRecord(e));
  changed();
}

/** Saved experiments, newest first. */
export async function listExperiments(db?: WorkbenchDb): Promise<SavedExperiment[]> {
  const records = await listResults(db ?? (await openWorkbenchDb()), RESULT_PIPELINE);
  return records.map(fromRecord).filter((e): e is SavedExperiment => e !== null);
}

export async function deleteExperiment(id: string, db?: WorkbenchDb): Promise<void> {
  await (db ?? (await openWorkbenchDb())).delete('results', id);
  changed();
}

/** Short description of a set-up: "art_painting + cartoon → photo · none, trad · 3 seeds · small/cnn". */
export function describeSetup(s: ExperimentSetup): string {
  const sweep = s.sweep ? ` · sweep ${s.sweep.param} ${s.sweep.values.join(', ')}` : '';
  return `${s.trainDomains.join(' + ')} → ${s.targetDomain} · ${s.arms.join(', ')} · ${s.seeds.length} seed${s.seeds.length === 1 ? '' : 's'} · ${s.config}/${s.classifier}${sweep}`;
}
