/**
 * Split builder (thesis §6.4.2): one fixed, balanced test set (stratified over class × camera),
 * then a Balanced, Partial (chosen cameras, no correlation) or Disjoint (chosen camera → class
 * mapping) training set from the rest. Shows the counts per cell and the mapping.
 */
import { useMemo } from 'react';
import { labelValues } from '../lab/labels';
import { buildTestSet, buildTrainingSet, defaultDisjointMapping, describeSplit, SplitError, type DisjointMapping, type TrainSpec } from '../lab/splits';
import { useCamera, type SplitSettings } from './cameraStore';

/** The TrainSpec the settings describe (shared with the experiments). */
export function trainSpecOf(s: SplitSettings, classes: string[], cameras: string[]): TrainSpec {
  if (s.kind === 'balanced') return { kind: 'balanced' };
  if (s.kind === 'partial') return { kind: 'partial', cameras: s.partialCameras.length ? s.partialCameras : cameras.slice(0, 2) };
  return { kind: 'disjoint', mapping: s.mapping ?? defaultDisjointMapping(classes, cameras) };
}

function CountsTable({ title, items, classes, cameras, testId }: { title: string; items: { cls: string; camera: string }[]; classes: string[]; cameras: string[]; testId: string }) {
  const d = describeSplit(items, classes, cameras);
  return (
    <table className="small" data-testid={testId}>
      <caption>{title} ({d.total})</caption>
      <thead><tr><th /> {d.cameras.map((c) => <th key={c}>{c}</th>)}</tr></thead>
      <tbody>{d.classes.map((cls, i) => <tr key={cls}><td>{cls}</td>{d.counts[i].map((v, j) => <td key={j}>{v}</td>)}</tr>)}</tbody>
    </table>
  );
}

export function SplitSection() {
  const { items, split, setSplit } = useCamera();
  const { classes, cameras } = useMemo(() => labelValues(items), [items]);
  const built = useMemo(() => {
    if (classes.length < 2 || cameras.length < 2) return { error: `needs two classes and two cameras (found ${classes.length} and ${cameras.length})` };
    try {
      const test = buildTestSet(items, { seed: split.seed, fraction: split.testFraction });
      const train = buildTrainingSet(items, test, trainSpecOf(split, classes, cameras), split.seed);
      return { test, train };
    } catch (e) {
      return { error: e instanceof SplitError ? e.problems.join('; ') : (e as Error).message };
    }
  }, [items, split, classes, cameras]);
  if (items.length === 0) return <p className="muted">Generate or choose a dataset with class and camera labels first.</p>;
  const mapping: DisjointMapping = split.mapping ?? (cameras.length >= classes.length ? defaultDisjointMapping(classes, cameras) : {});
  const ownerOf = (camera: string) => Object.entries(mapping).find(([, cams]) => cams.includes(camera))?.[0] ?? '';
  const setOwner = (camera: string, cls: string) => {
    const next: DisjointMapping = Object.fromEntries(classes.map((c) => [c, (mapping[c] ?? []).filter((k) => k !== camera)]));
    if (cls) next[cls] = [...(next[cls] ?? []), camera];
    setSplit({ ...split, mapping: next });
  };
  return (
    <div data-testid="camera-split">
      <div className="row">
        <label>training set <select value={split.kind} onChange={(e) => setSplit({ ...split, kind: e.target.value as SplitSettings['kind'] })} data-testid="split-kind">
          <option value="balanced">Balanced (all cameras, no correlation)</option>
          <option value="partial">Partial (some cameras, no correlation)</option>
          <option value="disjoint">Disjoint (each camera shows one class)</option>
        </select></label>
        <label>test fraction <input type="number" step={0.05} min={0.05} max={0.5} value={split.testFraction} onChange={(e) => setSplit({ ...split, testFraction: Number(e.target.value) })} style={{ width: 60 }} /></label>
        <label>split seed <input type="number" value={split.seed} onChange={(e) => setSplit({ ...split, seed: Number(e.target.value) })} style={{ width: 60 }} /></label>
      </div>
      {split.kind === 'partial' && (
        <div className="row small">cameras: {cameras.map((c) => (
          <label key={c}><input type="checkbox" checked={(split.partialCameras.length ? split.partialCameras : cameras.slice(0, 2)).includes(c)}
            onChange={(e) => {
              const cur = split.partialCameras.length ? split.partialCameras : cameras.slice(0, 2);
              setSplit({ ...split, partialCameras: e.target.checked ? [...cur, c] : cur.filter((x) => x !== c) });
            }} /> {c}</label>
        ))}</div>
      )}
      {split.kind === 'disjoint' && (
        <div className="row small">camera → class: {cameras.map((c) => (
          <label key={c}>{c} <select value={ownerOf(c)} onChange={(e) => setOwner(c, e.target.value)} data-testid={`map-${c}`}>
            <option value="">unused</option>
            {classes.map((cls) => <option key={cls} value={cls}>{cls}</option>)}
          </select></label>
        ))}{split.mapping && <button onClick={() => setSplit({ ...split, mapping: null })}>default mapping</button>}</div>
      )}
      {'error' in built ? (
        <div className="notice warning" data-testid="split-error">Split not possible: {built.error}</div>
      ) : (
        <div className="row" style={{ alignItems: 'flex-start' }}>
          <CountsTable title={`Training (${split.kind})`} items={built.train.items} classes={classes} cameras={cameras} testId="train-counts" />
          <CountsTable title="Test (balanced, fixed)" items={built.test.items} classes={classes} cameras={cameras} testId="test-counts" />
          {built.train.mappingText && <p className="small">{built.train.mappingText}</p>}
          {built.train.notes.length > 0 && <ul className="small">{built.train.notes.map((n) => <li key={n}>{n}</li>)}</ul>}
        </div>
      )}
    </div>
  );
}
