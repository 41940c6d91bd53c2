/** App-level state: current view, compute runtime snapshot and user settings (persisted). */
import { create } from 'zustand';
import type { BackendName, RuntimeState } from '../core/backend/runtime';

export type ViewId = 'detection' | 'style' | 'phenotype' | 'camera' | 'datasets' | 'jobs' | 'models';

export interface Settings {
  backend: BackendName | 'auto';
  /** Where model files are fetched from: 'official' URLs, or a base URL (a local folder served over HTTP). */
  modelSource: 'official' | 'baseUrl';
  modelBaseUrl: string;
}

export const defaultSettings: Settings = {
  backend: 'auto',
  modelSource: import.meta.env?.DEV ? 'baseUrl' : 'official',
  modelBaseUrl: '/local-models',
};

interface AppState {
  view: ViewId;
  runtime: RuntimeState | null;
  runtimeError: string | null;
  settings: Settings;
  notices: { id: number; level: 'info' | 'warning' | 'error'; text: string }[];
  setView: (v: ViewId) => void;
  setRuntime: (r: RuntimeState) => void;
  setRuntimeError: (e: string | null) => void;
  setSettings: (s: Partial<Settings>) => void;
  notify: (level: 'info' | 'warning' | 'error', text: string) => void;
  dismiss: (id: number) => void;
}

let noticeSeq = 0;

export const useApp = create<AppState>((set) => ({
  view: 'datasets',
  runtime: null,
  runtimeError: null,
  settings: defaultSettings,
  notices: [],
  setView: (view) => set({ view }),
  setRuntime: (runtime) => set({ runtime }),
  setRuntimeError: (runtimeError) => set({ runtimeError }),
  setSettings: (s) => set((st) => ({ settings: { ...st.settings, ...s } })),
  notify: (level, text) => set((st) => ({ notices: [...st.notices, { id: ++noticeSeq, level, text }] })),
  dismiss: (id) => set((st) => ({ notices: st.notices.filter((n) => n.id !== id) })),
}));
