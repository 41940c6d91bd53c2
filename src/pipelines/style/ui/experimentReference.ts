/**
 * The thesis's own numbers for the cross-domain experiments, shown beside ours: final test
 * accuracies on the Office dataset with InceptionV3 (thesis §4.4.2). Table 4.1 compares None /
 * Trad / Style / Both; Table 4.2 is a separate run comparing unaugmented, colour jitter and style.
 * A = Amazon, D = DSLR, W = Webcam; "AD → W" trains on Amazon + DSLR and tests on Webcam.
 * These are references, not measurements of this project.
 */
import type { Arm } from '../experiment/types';

export const THESIS_TASKS = ['AD → W', 'AW → D', 'DW → A'] as const;
export type ThesisTask = (typeof THESIS_TASKS)[number];

export interface ThesisReference {
  table: '4.1' | '4.2';
  accuracy: Record<ThesisTask, number>;
}

export const THESIS_REFERENCE_LABEL = 'thesis (Office, InceptionV3)';

export const THESIS_REFERENCE: Record<Arm, ThesisReference[]> = {
  none: [
    { table: '4.1', accuracy: { 'AD → W': 0.695, 'AW → D': 0.789, 'DW → A': 0.183 } },
    { table: '4.2', accuracy: { 'AD → W': 0.684, 'AW → D': 0.721, 'DW → A': 0.152 } },
  ],
  trad: [{ table: '4.1', accuracy: { 'AD → W': 0.733, 'AW → D': 0.89, 'DW → A': 0.16 } }],
  style: [
    { table: '4.1', accuracy: { 'AD → W': 0.767, 'AW → D': 0.882, 'DW → A': 0.254 } },
    { table: '4.2', accuracy: { 'AD → W': 0.765, 'AW → D': 0.893, 'DW → A': 0.215 } },
  ],
  both: [{ table: '4.1', accuracy: { 'AD → W': 0.884, 'AW → D': 0.952, 'DW → A': 0.286 } }],
  color: [{ table: '4.2', accuracy: { 'AD → W': 0.726, 'AW → D': 0.85, 'DW → A': 0.185 } }],
};

/** "AD → W 0.695 · AW → D 0.789 · DW → A 0.183 (Table 4.1)", one line per table. */
export function formatReference(arm: Arm): string[] {
  return THESIS_REFERENCE[arm].map((r) => `${THESIS_TASKS.map((t) => `${t} ${r.accuracy[t].toFixed(3)}`).join(' · ')} (Table ${r.table})`);
}

/** Reference cells for a CSV row: one column per task and table, e.g. "thesis_4.1_AD_W". */
export const THESIS_CSV_COLUMNS: { table: '4.1' | '4.2'; task: ThesisTask; column: string }[] = (['4.1', '4.2'] as const).flatMap((table) =>
  THESIS_TASKS.map((task) => ({ table, task, column: `thesis_${table}_${task.replace(/ → /, '_').replace(/[^A-Z_]/g, '')}` })),
);

export function referenceCells(arm: Arm): (number | null)[] {
  return THESIS_CSV_COLUMNS.map(({ table, task }) => THESIS_REFERENCE[arm].find((r) => r.table === table)?.accuracy[task] ?? null);
}
