/**
 * Where the profiles come from: a dataset of screening images (drop a folder, pick an existing
 * dataset, or generate the demo plate), its plate metadata (file-name pattern with presets, and an
 * optional CSV join, BBBC021 layout recognised), or a table of precomputed profiles
 * (CellProfiler / pycytominer CSV/TSV) that goes straight to the analysis.
 */
import { useEffect, useMemo, useState } from 'react';
import { useDatasets } from '../../../core/data/datasetStore';
import { startJob } from '../../../core/jobs/jobStore';
import { openWorkbenchDb, updateLabels } from '../../../core/storage/db';
import { Dropzone } from '../../../ui/Dropzone';
import { FILENAME_PRESETS, detectPreset, parseFileNames } from '../metadata/filename';
import { joinBbbc021, joinCsv, parseCsv } from '../metadata/csvJoin';
import { parseProfiles } from '../metadata/profiles';
import type { DemoPlateParams } from '../demoPlateJob';
import { usePhenotype } from './phenotypeStore';

const CUSTOM = 'custom';

/** A short multi-line report list, capped. */
function Report({ lines, testId }: { lines: string[]; testId?: string }) {
  if (lines.length === 0) return null;
  return (
    <ul className="small" data-testid={testId}>
      {lines.slice(0, 12).map((l) => <li key={l}>{l}</li>)}
      {lines.length > 12 && <li>… {lines.length - 12} more</li>}
    </ul>
  );
}

export function DataSection() {
  const { datasets, items, select, selectedId, ingest, refreshList } = useDatasets();
  const { datasetId, setDatasetId, setProfile } = usePhenotype();
  const [busy, setBusy] = useState<string | null>(null);
  const [report, setReport] = useState<string[]>([]);
  const [preset, setPreset] = useState<string>('auto');
  const [regex, setRegex] = useState('(?<plate>[^_]+)_(?<well>[A-Z]\\d{2})_s(?<site>\\d+)');
  const [csvFiles, setCsvFiles] = useState<File[]>([]);

  useEffect(() => {
    if (datasetId && selectedId !== datasetId) void select(datasetId);
  }, [datasetId, selectedId, select]);
  const dsItems = useMemo(() => (selectedId === datasetId ? items : []), [selectedId, datasetId, items]);
  const detected = useMemo(() => (dsItems.length ? detectPreset(dsItems.map((i) => i.path)) : null), [dsItems]);

  const generateDemo = async () => {
    setBusy('Generating the demo plate…');
    const id = `ds-demo-${Date.now().toString(36)}`;
    const { done } = startJob<DemoPlateParams>({ kind: 'phenotype-demo-plate', title: 'Generate demo screening plate', params: { datasetId: id, name: 'Demo plate (synthetic phenotypes)', options: { seed: 2019 } }, seed: 2019 });
    const outcome = await done;
    setBusy(null);
    await refreshList();
    if (outcome.status === 'done') setDatasetId(id);
    else setReport([outcome.status === 'error' ? `Demo plate failed: ${outcome.message}` : 'Demo plate cancelled']);
  };

  const applyMetadata = async () => {
    if (!datasetId || dsItems.length === 0) return;
    const paths = dsItems.map((i) => i.path);
    const pattern = preset === 'auto' ? detected?.preset.name ?? 'generic' : preset === CUSTOM ? regex : preset;
    const parsed = parseFileNames(paths, pattern);
    const lines: string[] = [];
    if (parsed.error) {
      setReport([`File-name pattern: ${parsed.error}`]);
      return;
    }
    let rows = parsed.rows;
    lines.push(`File names: ${paths.length - parsed.unmatched.length} of ${paths.length} matched the pattern.`);
    if (parsed.unmatched.length) lines.push(`Not matching the pattern: ${parsed.unmatched.slice(0, 20).join(', ')}${parsed.unmatched.length > 20 ? ` … (${parsed.unmatched.length} in all)` : ''}`);
    if (csvFiles.length > 0) {
      const texts = await Promise.all(csvFiles.map((f) => f.text()));
      const imageCsv = texts.findIndex((t) => /Image_FileName_DAPI/i.test(t.slice(0, 2000)));
      if (imageCsv >= 0) {
        const moaCsv = texts.findIndex((t, i) => i !== imageCsv && /^\uFEFF?\s*compound\s*[,;\t]\s*concentration\s*[,;\t]\s*moa/i.test(t));
        const j = joinBbbc021(paths, texts[imageCsv], moaCsv >= 0 ? texts[moaCsv] : undefined);
        rows = rows.map((r, i) => ({ ...r, ...j.rows[i] }));
        lines.push(`BBBC021 image table ${csvFiles[imageCsv].name}: ${paths.length - j.imagesWithoutRow.length} of ${paths.length} images annotated${moaCsv >= 0 ? `; ${paths.length - j.imagesWithoutMoa.length} with an MoA from ${csvFiles[moaCsv].name}` : ''}.`);
        if (j.imagesWithoutRow.length) lines.push(`No row in the image table: ${j.imagesWithoutRow.slice(0, 10).join(', ')}${j.imagesWithoutRow.length > 10 ? ' …' : ''}`);
        lines.push(...j.problems.slice(0, 5).map((p) => `line ${p.line}: ${p.message}`));
      } else {
        for (let f = 0; f < csvFiles.length; f++) {
          const table = parseCsv(texts[f]);
          const cols = table.columns;
          const fileCol = cols.find((c) => /file|image|path|name/i.test(c));
          const wellCol = cols.find((c) => /(^|_)well$/i.test(c));
          if (!fileCol && !wellCol) {
            lines.push(`${csvFiles[f].name}: no file-name or well column to join on (columns: ${cols.join(', ')})`);
            continue;
          }
          const plateCol = cols.find((c) => /(^|_)plate$/i.test(c));
          const siteCol = cols.find((c) => /(^|_)(site|field)$/i.test(c));
          const j = joinCsv(paths, table, {
            key: fileCol ? { by: 'file', column: fileCol, ignoreExtension: true } : { by: 'well', wellColumn: wellCol!, plateColumn: plateCol, siteColumn: siteCol },
            imageMetadata: rows,
          });
          rows = j.rows;
          lines.push(`${csvFiles[f].name}: joined on ${fileCol ?? [plateCol, wellCol, siteCol].filter(Boolean).join(' + ')}; ${paths.length - j.imagesWithoutRow.length} of ${paths.length} images matched; ${j.rowsWithoutImage.length} rows without an image.`);
          if (j.duplicateKeys.length) lines.push(`Duplicate keys (first row used): ${j.duplicateKeys.slice(0, 5).map((d) => `${d.key} (lines ${d.lines.join(', ')})`).join('; ')}`);
          if (j.imagesWithoutRow.length) lines.push(`No CSV row: ${j.imagesWithoutRow.slice(0, 10).join(', ')}${j.imagesWithoutRow.length > 10 ? ' …' : ''}`);
          lines.push(...j.problems.slice(0, 5).map((p) => `line ${p.line}: ${p.message}`));
        }
      }
    }
    const updates = new Map<number, Record<string, string>>();
    dsItems.forEach((it, i) => updates.set(it.id, { ...it.labels, ...rows[i] }));
    await updateLabels(await openWorkbenchDb(), datasetId, updates);
    await select(datasetId);
    setReport(lines);
  };

  const importProfiles = async (file: File) => {
    try {
      const p = parseProfiles(await file.text());
      const columns = [...new Set(p.metadata.flatMap((m) => Object.keys(m)))];
      const labelCol = columns.find((c) => /file|image/i.test(c)) ?? columns.find((c) => /well/i.test(c));
      setProfile({
        name: file.name, kind: 'import', datasetId: null, featureKey: null, n: p.features.n, d: p.features.d, data: Float32Array.from(p.features.data),
        featureNames: p.featureNames, itemIds: null, labels: p.metadata.map((m, i) => (labelCol ? m[labelCol] : undefined) ?? `row ${p.lines[i]}`),
        metadata: p.metadata, columns, notes: p.notes, spec: { source: 'imported profiles', file: file.name, features: p.featureNames.length },
      });
      setReport([`Imported ${p.features.n} profiles × ${p.features.d} features from ${file.name}.`, ...p.notes]);
    } catch (e) {
      setReport([`${file.name}: ${(e as Error).message}`]);
    }
  };

  return (
    <div data-testid="phenotype-data">
      <div className="row">
        <button onClick={() => void generateDemo()} disabled={busy !== null} data-testid="demo-plate">Generate demo plate</button>
        <label>
          Dataset{' '}
          <select value={datasetId ?? ''} onChange={(e) => setDatasetId(e.target.value || null)} data-testid="phenotype-dataset">
            <option value="">(choose)</option>
            {datasets.map((d) => <option key={d.id} value={d.id}>{d.name} ({d.itemCount})</option>)}
          </select>
        </label>
        <label>
          or import profiles (CSV/TSV){' '}
          <input type="file" accept=".csv,.tsv,.txt" data-testid="profile-file" onChange={(e) => { const f = e.target.files?.[0]; if (f) void importProfiles(f); e.target.value = ''; }} />
        </label>
        {busy && <span className="muted">{busy}</span>}
      </div>
      <Dropzone
        label="Drop a folder of screening images here (TIFF 8/16-bit, PNG, JPEG; any channel count)"
        onFiles={(files, problems) => {
          if (files.length === 0) {
            setReport(problems.length ? problems : ['No files in the drop']);
            return;
          }
          const name = files[0].path.split('/')[0] || 'screen';
          setBusy(`Ingesting ${files.length} files…`);
          void ingest(name, 'none', files).then(async (summary) => {
            setBusy(null);
            await refreshList();
            if (summary) setDatasetId(useDatasets.getState().selectedId);
            setReport(problems);
          });
        }}
      />
      {datasetId && (
        <div className="card">
          <div className="row">
            <strong>Plate metadata</strong>
            <label>
              file-name pattern{' '}
              <select value={preset} onChange={(e) => setPreset(e.target.value)} data-testid="filename-preset">
                <option value="auto">auto{detected ? ` (${detected.preset.label}: ${detected.matched}/${detected.total})` : ''}</option>
                {FILENAME_PRESETS.map((p) => <option key={p.name} value={p.name} title={`e.g. ${p.example.name}`}>{p.label}</option>)}
                <option value={CUSTOM}>custom regex…</option>
              </select>
            </label>
            {preset === CUSTOM && (
              <input value={regex} onChange={(e) => setRegex(e.target.value)} size={50} title="named groups: plate, well, row, column, site, channel, …" data-testid="filename-regex" />
            )}
            <label>
              metadata CSV(s){' '}
              <input type="file" multiple accept=".csv,.tsv,.txt" onChange={(e) => setCsvFiles([...(e.target.files ?? [])])} data-testid="metadata-csv" />
            </label>
            <button onClick={() => void applyMetadata()} disabled={dsItems.length === 0} data-testid="apply-metadata">Apply</button>
          </div>
          <p className="muted small">
            Named groups plate, well (or row + column), site, channel are read from each file name; a CSV joins on a file-name column or on plate + well (+ site).
            BBBC021's <code>BBBC021_v1_image.csv</code> (+ <code>BBBC021_v1_moa.csv</code>) is recognised.
          </p>
        </div>
      )}
      <Report lines={report} testId="data-report" />
    </div>
  );
}
