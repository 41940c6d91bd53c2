/**
 * State of the phenotypic-profiling panel: the profile table being analysed (CNN features of a
 * dataset, or imported per-image/per-well profiles), the metadata roles, the analysis result and
 * its live t-SNE snapshots, and the biologist's cluster marks and selection. The last analysis
 * (profile, result, marks) is saved to IndexedDB and restored when the panel opens.
 */
import { create } from 'zustand';
import { startJob } from '../../../core/jobs/jobStore';
import type { ProgressReport } from '../../../core/jobs/progress';
import { getSetting, listResults, openWorkbenchDb, putResult, putSetting } from '../../../core/storage/db';
import { DEFAULT_ANALYSIS_OPTIONS, type AnalysisOptions, type AnalysisResult, type TsneSnapshot } from '../pipeline/analyse';
import type { EngineChoice, PhenotypeAnalysisParams } from '../pipeline/analysisJob';
import { detectRoles, type RoleMap } from '../pipeline/roles';

export interface ProfileTable {
  name: string;
  kind: 'features' | 'import';
  /** Dataset the rows come from (thumbnails), null for imported profiles. */
  datasetId: string | null;
  /** Feature-cache key when the rows are CNN features. */
  featureKey: string | null;
  n: number;
  d: number;
  data: Float32Array;
  featureNames?: string[];
  /** Dataset item id per row (null for imported profiles). */
  itemIds: number[] | null;
  /** Display name per row (file path, or well/treatment for imported profiles). */
  labels: string[];
  metadata: Record<string, string>[];
  /** Metadata columns in display order. */
  columns: string[];
  notes: string[];
  /** What produced the features (backbone, layers, preprocessing, seeds), recorded with results. */
  spec: Record<string, unknown>;
}

export type ClusterMark = 'interesting' | 'uninteresting';

interface PhenotypeState {
  /** Dataset whose images are featurised (the Data section's choice). */
  datasetId: string | null;
  setDatasetId: (id: string | null) => void;
  profile: ProfileTable | null;
  roles: RoleMap;
  options: AnalysisOptions;
  engine: EngineChoice;
  analysis: AnalysisResult | null;
  snapshot: TsneSnapshot | null;
  jobId: string | null;
  progress: ProgressReport | null;
  error: string | null;
  /** k whose clustering is shown (one of analysis.curve.ks, or analysis.k). */
  shownK: number | null;
  marks: Record<number, ClusterMark>;
  selection: number[];
  colourBy: string;
  restored: boolean;
  setProfile: (p: ProfileTable) => void;
  setRoles: (r: RoleMap) => void;
  setOptions: (o: AnalysisOptions) => void;
  setEngine: (e: EngineChoice) => void;
  runAnalysis: () => Promise<void>;
  setShownK: (k: number) => void;
  mark: (cluster: number, mark: ClusterMark | null) => void;
  select: (rows: number[]) => void;
  setColourBy: (c: string) => void;
  restore: () => Promise<void>;
}

const PIPELINE = 'phenotype';
const KIND = 'analysis';
const MARKS_KEY = 'phenotype-marks';

/** Cluster labels currently shown. */
export function shownLabels(a: AnalysisResult, k: number | null): Int32Array | Uint8Array {
  if (k === null || k === a.k) return a.labels;
  const i = a.curve.ks.indexOf(k);
  return i >= 0 ? a.labelsByK[i] : a.labels;
}

/** The analysis with its profile table (large: written once, when the analysis finishes). */
async function saveAnalysis(state: Pick<PhenotypeState, 'profile' | 'analysis' | 'roles'>): Promise<void> {
  if (!state.profile || !state.analysis) return;
  const db = await openWorkbenchDb();
  await putResult(db, {
    id: `${PIPELINE}-latest`,
    pipeline: PIPELINE,
    kind: KIND,
    createdAt: Date.now(),
    seed: state.analysis.options.tsne.seed,
    params: { options: state.analysis.options, roles: state.roles, spec: state.profile.spec },
    data: { profile: state.profile, analysis: state.analysis },
  });
}

/** The biologist's marks and the shown k (small: written on every change), for the saved analysis. */
async function saveMarks(state: Pick<PhenotypeState, 'marks' | 'shownK'>): Promise<void> {
  await putSetting(await openWorkbenchDb(), MARKS_KEY, { marks: state.marks, shownK: state.shownK });
}

export const usePhenotype = create<PhenotypeState>((set, get) => ({
  datasetId: null,
  setDatasetId: (datasetId) => set({ datasetId }),
  profile: null,
  roles: {},
  options: DEFAULT_ANALYSIS_OPTIONS,
  engine: 'auto',
  analysis: null,
  snapshot: null,
  jobId: null,
  progress: null,
  error: null,
  shownK: null,
  marks: {},
  selection: [],
  colourBy: 'cluster',
  restored: false,
  setProfile: (profile) => set({ profile, roles: detectRoles(profile.columns), analysis: null, snapshot: null, marks: {}, selection: [], shownK: null, error: null, colourBy: 'cluster' }),
  setRoles: (roles) => set({ roles }),
  setOptions: (options) => set({ options }),
  setEngine: (engine) => set({ engine }),
  async runAnalysis() {
    const { profile, roles, options, engine } = get();
    if (!profile) return;
    set({ error: null, snapshot: null, analysis: null, selection: [], marks: {}, shownK: null, progress: null });
    const params: PhenotypeAnalysisParams = {
      input: { data: profile.data, n: profile.n, d: profile.d, featureNames: profile.featureNames, metadata: profile.metadata, roles },
      options,
      engine,
    };
    const { id, done } = startJob<PhenotypeAnalysisParams, AnalysisResult>({
      kind: 'phenotype-analysis',
      title: `Phenotype analysis of ${profile.name} (${profile.n} profiles)`,
      params,
      seed: options.tsne.seed,
      onPartial: (d) => set({ snapshot: d as TsneSnapshot }),
      onProgress: (progress) => set({ progress }),
    });
    set({ jobId: id });
    const outcome = await done;
    if (get().jobId !== id) return;
    if (outcome.status === 'done') {
      set({ analysis: outcome.result, jobId: null, shownK: outcome.result.k });
      await Promise.all([saveAnalysis(get()), saveMarks(get())]).catch((e) => set({ error: `The analysis finished but could not be saved: ${(e as Error).message}` }));
    } else {
      set({ jobId: null, error: outcome.status === 'error' ? outcome.message : 'Analysis cancelled' });
    }
  },
  setShownK: (shownK) => {
    set({ shownK, marks: {} });
    void saveMarks(get());
  },
  mark: (cluster, m) => {
    const marks = { ...get().marks };
    if (m) marks[cluster] = m;
    else delete marks[cluster];
    set({ marks });
    void saveMarks(get());
  },
  select: (selection) => set({ selection }),
  setColourBy: (colourBy) => set({ colourBy }),
  async restore() {
    if (get().restored) return;
    set({ restored: true });
    const db = await openWorkbenchDb();
    const [rec] = (await listResults(db, PIPELINE)).filter((r) => r.kind === KIND);
    if (!rec || get().profile) return;
    const data = rec.data as { profile: ProfileTable; analysis: AnalysisResult };
    const params = rec.params as { roles: RoleMap; options: AnalysisOptions };
    const saved = await getSetting<{ marks: Record<number, ClusterMark>; shownK: number | null } | null>(db, MARKS_KEY, null);
    set({ profile: data.profile, analysis: data.analysis, marks: saved?.marks ?? {}, shownK: saved?.shownK ?? data.analysis.k, roles: params.roles, options: params.options });
  },
}));
