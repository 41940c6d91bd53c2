import { lazy, Suspense } from 'react';
import { useApp, type ViewId } from './store';
import { StatusBar, FallbackNotice } from './StatusBar';
import { DatasetsView } from './views/DatasetsView';
import { JobsView } from './views/JobsView';
import { ModelsView } from './views/ModelsView';
import { useJobs } from '../core/jobs/jobStore';

const DetectionPanel = lazy(() => import('../pipelines/detection/DetectionPanel'));
const StylePanel = lazy(() => import('../pipelines/style/StylePanel'));
const PhenotypePanel = lazy(() => import('../pipelines/phenotype/PhenotypePanel'));
const CameraPanel = lazy(() => import('../pipelines/camera/CameraPanel'));

const NAV: { id: ViewId; label: string; group: 'pipelines' | 'project' }[] = [
  { id: 'detection', label: 'Detection & counting', group: 'pipelines' },
  { id: 'style', label: 'Style augmentation', group: 'pipelines' },
  { id: 'phenotype', label: 'Phenotypes', group: 'pipelines' },
  { id: 'camera', label: 'Camera bias', group: 'pipelines' },
  { id: 'datasets', label: 'Datasets', group: 'project' },
  { id: 'jobs', label: 'Jobs', group: 'project' },
  { id: 'models', label: 'Models & settings', group: 'project' },
];

function Notices() {
  const { notices, dismiss } = useApp();
  return (
    <div className="notices">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.level}`} role={n.level === 'error' ? 'alert' : 'status'}>
          {n.text} <button onClick={() => dismiss(n.id)}>×</button>
        </div>
      ))}
    </div>
  );
}

export function App() {
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const running = useJobs((s) => Object.values(s.jobs).filter((j) => j.status === 'running').length);
  return (
    <div className="app">
      <nav className="sidebar">
        <h1>CV Workbench</h1>
        {(['pipelines', 'project'] as const).map((g) => (
          <div key={g} className="navgroup">
            <div className="navgroup-title">{g === 'pipelines' ? 'Pipelines' : 'Project'}</div>
            {NAV.filter((n) => n.group === g).map((n) => (
              <button key={n.id} className={view === n.id ? 'active' : ''} onClick={() => setView(n.id)} data-testid={`nav-${n.id}`}>
                {n.label}
                {n.id === 'jobs' && running > 0 && <span className="badge">{running}</span>}
              </button>
            ))}
          </div>
        ))}
      </nav>
      <main className="content">
        <FallbackNotice />
        <Notices />
        <Suspense fallback={<p>Loading…</p>}>
          {view === 'detection' && <DetectionPanel />}
          {view === 'style' && <StylePanel />}
          {view === 'phenotype' && <PhenotypePanel />}
          {view === 'camera' && <CameraPanel />}
          {view === 'datasets' && <DatasetsView />}
          {view === 'jobs' && <JobsView />}
          {view === 'models' && <ModelsView />}
        </Suspense>
      </main>
      <StatusBar />
    </div>
  );
}
