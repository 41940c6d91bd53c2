import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { bbbc021ImageKey, joinBbbc021, joinCsv, lookupJoin, parseCsv } from './csvJoin';
import { filenamePreset, parseFileNames } from './filename';

describe('parseCsv', () => {
  it('handles a BOM, semicolons, quoted separators, doubled quotes, line breaks in quotes and blank lines', () => {
    const text = '\uFEFFfile;compound;note\r\n"a.tif";DMSO;"x; y, z"\r\n\r\nb.tif;"taxol";"say ""hi""\nthen go"\r\nc.tif;MG-132\r\n';
    const t = parseCsv(text);
    expect(t.delimiter).toBe(';');
    expect(t.columns).toEqual(['file', 'compound', 'note']); // no BOM in the first name
    expect(t.rows).toEqual([
      { file: 'a.tif', compound: 'DMSO', note: 'x; y, z' },
      { file: 'b.tif', compound: 'taxol', note: 'say "hi"\nthen go' },
      { file: 'c.tif', compound: 'MG-132', note: '' },
    ]);
    expect(t.lines).toEqual([2, 4, 6]);
    expect(t.problems).toEqual([{ line: 6, message: 'row has 2 cells but the header has 3 columns' }]);
  });

  it('detects tabs and commas, names empty and repeated headers', () => {
    expect(parseCsv('a\tb\n1\t"2,3"\n').rows).toEqual([{ a: '1', b: '2,3' }]);
    expect(parseCsv('x,,x\n1,2,3\n').columns).toEqual(['x', 'column2', 'x_3']);
    expect(parseCsv('').columns).toEqual([]);
  });
});

describe('joinCsv by file', () => {
  const csv = 'Image,Compound,Dose\nplate1/A01_s1.TIF,DMSO,0\nplate1/A02_s1.tif,"taxol, batch 2",0.3\nplate2/A01_s1.tif,MG-132,3\nplate1/A02_s1.tif,duplicate,9\norphan.tif,x,1\n';

  it('matches by base name, case-insensitively, first duplicate wins, and lists what is left over', () => {
    const images = ['data/PLATE1/a02_s1.tif', 'x/A01_S1.tif', 'missing.tif'];
    const j = joinCsv(images, csv, { key: { by: 'file', column: 'Image' } });
    // 'A01_s1.tif' is on two rows (plate1 and plate2): by base name the first (DMSO) wins.
    expect(j.rows[0]).toEqual({ Image: 'plate1/A02_s1.tif', Compound: 'taxol, batch 2', Dose: '0.3' });
    expect(j.rows[1].Compound).toBe('DMSO');
    expect(j.rows[2]).toEqual({});
    expect(j.rowIndex).toEqual([1, 0, null]);
    expect(j.imagesWithoutRow).toEqual(['missing.tif']);
    expect(j.duplicateKeys).toEqual([
      { key: 'plate1/A01_s1.TIF', lines: [2, 4] },
      { key: 'plate1/A02_s1.tif', lines: [3, 5] },
    ]);
    expect(j.rowsWithoutImage).toEqual([
      { line: 4, key: 'plate2/A01_s1.tif' },
      { line: 5, key: 'plate1/A02_s1.tif' },
      { line: 6, key: 'orphan.tif' },
    ]);
    expect(j.problems).toEqual([]);
  });

  it('case-sensitive matching when asked', () => {
    const j = joinCsv(['A01_S1.tif', 'A01_s1.TIF'], csv, { key: { by: 'file', column: 'Image', caseInsensitive: false } });
    expect(j.rowIndex).toEqual([null, 0]);
  });

  it('matches relative paths with extra leading folders on either side, longest agreement first', () => {
    const images = ['exp/plate1/A01_s1.tif', 'plate2/A01_s1.tif', 'A02_s1.tif', 'other/A01_s1.tif', 'orphan.tif'];
    const j = joinCsv(images, csv, { key: { by: 'file', column: 'Image', match: 'path' } });
    // exp/plate1/A01 ↔ plate1/A01 (row 0); plate2 exact (row 2); 'A02_s1.tif' is the tail of two
    // rows (plate1/A02 on lines 3 and 5 are one key; the first row wins) …
    expect(j.rowIndex[0]).toBe(0);
    expect(j.rowIndex[1]).toBe(2);
    expect(j.rowIndex[2]).toBe(1);
    // … while 'other/A01_s1.tif' shares only its file name with plate1 and plate2: no match.
    expect(j.rowIndex[3]).toBeNull();
    expect(j.rowIndex[4]).toBe(4);
    expect(j.ambiguous).toEqual([]);
    const amb = joinCsv(['A01_s1.tif'], csv, { key: { by: 'file', column: 'Image', match: 'path' } });
    expect(amb.rowIndex).toEqual([null]);
    expect(amb.ambiguous).toEqual([{ image: 'A01_s1.tif', lines: [2, 4] }]);
  });

  it('joins a folder column with a file column (CellProfiler PathName / FileName)', () => {
    const t = 'FileName_DNA\tPathName_DNA\tWell\nA01.tif\tD:\\screen\\P1\tA01\nA01.tif\t/mnt/screen/P2\tA01\n';
    const j = joinCsv(['P2/A01.tif', 'P1/A01.tif'], t, { key: { by: 'file', column: 'FileName_DNA', folderColumn: 'PathName_DNA', match: 'path' } });
    expect(j.rowIndex).toEqual([1, 0]);
    expect(j.duplicateKeys).toEqual([]);
  });

  it('ignores extensions and Unicode normalisation form when asked', () => {
    const t = 'name,group\n"Ce\u0301llule_東京.tif",a\nplain.png,b\n';
    const j = joinCsv(['C\u00e9llule_東京.png', 'PLAIN.jpeg', 'plain'], t, { key: { by: 'file', column: 'name', ignoreExtension: true } });
    expect(j.rows.map((r) => r.group)).toEqual(['a', 'b', 'b']);
    // Composed (NFC) and decomposed (NFD, as macOS stores names) forms match without that option too.
    expect(joinCsv(['C\u00e9llule_東京.tif', 'C\u00e9llule_東京.png'], t, { key: { by: 'file', column: 'name' } }).rowIndex).toEqual([0, null]);
  });

  it('finds a row through any of several columns and tries image-key candidates in order', () => {
    const t = 'dapi,actin,id\nx_w1.tif,x_w4.tif,7\n';
    const crops = ['x_w1_12.tif', 'x_w4.tif', 'y_3.tif'];
    const j = joinCsv(crops, t, { key: { by: 'file', column: ['dapi', 'actin'], imageKey: bbbc021ImageKey } });
    expect(j.rows.map((r) => r.id)).toEqual(['7', '7', undefined]);
    expect(j.rowsWithoutImage).toEqual([]);
    expect(bbbc021ImageKey('dmso/B02_s1_w1AB_101.tif')).toEqual(['B02_s1_w1AB_101.tif', 'B02_s1_w1AB.tif']);
    expect(bbbc021ImageKey('B02_s1_w1AB.tif')).toEqual(['B02_s1_w1AB.tif']);
  });

  it('reports a missing join column instead of throwing, and merges image metadata', () => {
    const j = joinCsv(['a.tif'], 'x,y\n1,2\n', { key: { by: 'file', column: 'file' }, imageMetadata: [{ well: 'A01' }] });
    expect(j.problems).toEqual([{ line: 1, message: "join column 'file' not found; columns are 'x', 'y'" }]);
    expect(j.rows).toEqual([{ well: 'A01' }]);
    expect(j.imagesWithoutRow).toEqual(['a.tif']);
    const k = joinCsv(['a.tif'], 'file,y,z\na.tif,2,3\n', { key: { by: 'file', column: 'file' }, imageMetadata: [{ y: 'from name', w: '1' }], columns: ['z', 'nope'] });
    expect(k.rows).toEqual([{ y: 'from name', w: '1', z: '3' }]);
    expect(k.problems).toEqual([{ line: 1, message: "column 'nope' not found; not copied" }]);
  });
});

describe('joinCsv by plate + well (+ site)', () => {
  const names = ['PL-1_A1_s1.png', 'PL-1_A1_s2.png', 'pl-1_AF48_s1.png', 'PL-2_B3_s1.png', 'PL-1_C5_s1.png'];
  const meta = parseFileNames(names, 'demo').rows;
  const plateMap = 'Plate;Well;Compound\nPL-1;A01;DMSO\npl-1;af48;taxol\nPL-2;"B 3";"cmpd; 1"\nPL-2;B03;dup\nPL-3;H12;unused\nPL-1;Z;bad\n';

  it('normalises wells (1536-well rows included) and compares plates case-insensitively', () => {
    const j = joinCsv(names, plateMap, { key: { by: 'well', plateColumn: 'Plate', wellColumn: 'Well' }, imageMetadata: meta });
    expect(j.rows.map((r) => r.Compound)).toEqual(['DMSO', 'DMSO', 'taxol', 'cmpd; 1', undefined]);
    expect(j.rows[2]).toMatchObject({ plate: 'pl-1', well: 'AF48', row: 'AF', column: '48', site: '1', Plate: 'pl-1', Well: 'af48' });
    expect(j.imagesWithoutRow).toEqual(['PL-1_C5_s1.png']);
    expect(j.duplicateKeys).toEqual([{ key: 'PL-2 / B03', lines: [4, 5] }]);
    expect(j.rowsWithoutImage.map((r) => r.line)).toEqual([5, 6, 7]);
    expect(j.problems).toEqual([{ line: 7, message: "'Z' in 'Well' is not a well; row not used" }]);
  });

  it('joins per site when a site column is given, and on well only without a plate column', () => {
    const perSite = 'well,site,x\nA01,01,first\nA01,2,second\n';
    const j = joinCsv(names.slice(0, 2), perSite, { key: { by: 'well', wellColumn: 'well', siteColumn: 'site' }, imageMetadata: meta.slice(0, 2) });
    expect(j.rows.map((r) => r.x)).toEqual(['first', 'second']);
    const w = joinCsv(names.slice(0, 2), perSite, { key: { by: 'well', wellColumn: 'well' }, imageMetadata: meta.slice(0, 2) });
    expect(w.rows.map((r) => r.x)).toEqual(['first', 'first']);
    expect(w.duplicateKeys).toEqual([{ key: 'A01', lines: [2, 3] }]);
  });

  it('asks for image metadata instead of throwing', () => {
    const j = joinCsv(names, plateMap, { key: { by: 'well', wellColumn: 'Well' } });
    expect(j.problems[0].message).toMatch(/needs the plate, well and site/);
    expect(j.imagesWithoutRow).toEqual(names);
  });
});

describe('lookupJoin', () => {
  it('matches numbers by value and text case-insensitively; first duplicate wins', () => {
    const moa = parseCsv('"compound",concentration,"moa"\n"Taxol",0.300000,"Microtubule stabilizers"\n"DMSO",0.000000,"DMSO"\n"taxol",0.3,"dup"\n"unused",1,"x"\n');
    const rows = [
      { compound: 'taxol', concentration: '0.3' },
      { compound: 'DMSO', concentration: '0' },
      { compound: 'taxol', concentration: '3' },
      { compound: 'DMSO', concentration: '' },
    ];
    const r = lookupJoin(rows, moa, { on: [{ left: 'compound', right: 'compound' }, { left: 'concentration', right: 'concentration', numeric: true }] });
    expect(r.rows.map((x) => x.moa)).toEqual(['Microtubule stabilizers', 'DMSO', undefined, undefined]);
    expect(r.rows[0]).toEqual({ compound: 'taxol', concentration: '0.3', moa: 'Microtubule stabilizers' });
    expect(r.rowIndex).toEqual([0, 1, null, null]);
    expect(r.unusedLines).toEqual([4, 5]);
    expect(r.duplicateKeys).toEqual([{ key: 'Taxol / 0.300000', lines: [2, 4] }]);
  });
});

const SHARED = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../../shared');
const BBBC = resolve(SHARED, 'data/bbbc021-cells');
const haveBbbc = existsSync(resolve(BBBC, 'labels.csv')) && existsSync(resolve(BBBC, 'metadata/BBBC021_v1_image.csv'));
if (!haveBbbc) console.log(`BBBC021 metadata tests skipped: ${BBBC} (labels.csv, metadata/) not found`);

describe.skipIf(!haveBbbc)('BBBC021 preset on the real tables (skipped when shared/data/bbbc021-cells is absent)', () => {
  const labels = () => Papa.parse<Record<string, string>>(readFileSync(resolve(BBBC, 'labels.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
  const imageCsv = () => readFileSync(resolve(BBBC, 'metadata/BBBC021_v1_image.csv'), 'utf8');
  const moaCsv = () => readFileSync(resolve(BBBC, 'metadata/BBBC021_v1_moa.csv'), 'utf8');

  it('annotates every crop with the plate, well, compound and concentration that labels.csv records, and its MoA', () => {
    const ref = labels();
    const crops = ['dmso', 'protein_synthesis'].flatMap((d) => readdirSync(resolve(BBBC, d)).filter((f) => f.endsWith('.tif')).map((f) => `${d}/${f}`));
    expect(crops.length).toBe(ref.length);
    const byFile = new Map(ref.map((r) => [r.file, r]));
    const j = joinBbbc021(crops, imageCsv(), moaCsv());
    expect(j.imagesWithoutRow).toEqual([]);
    expect(j.imagesWithoutMoa).toEqual([]);
    expect(j.duplicateKeys).toEqual([]);
    expect(j.problems).toEqual([]);
    const sources = new Set<string>();
    crops.forEach((c, i) => {
      const want = byFile.get(c)!;
      const got = j.rows[i];
      expect({ plate: got.plate, well: got.well, replicate: got.replicate, compound: got.compound, concentration: got.concentration }).toEqual({
        plate: want.plate,
        well: want.well,
        replicate: want.replicate,
        compound: want.compound,
        concentration: want.concentration,
      });
      expect(got.moa).toBe(want.class === 'dmso' ? 'DMSO' : 'Protein synthesis');
      expect(got.site).toBe(/_s(\d)_/.exec(c)![1]);
      sources.add(got.image_number);
    });
    // Many crops per source image: all other image rows are reported as unused.
    expect(j.rowsWithoutImage.length).toBe(13200 - sources.size);
  });

  it('also joins by plate + well when the plate is the folder name (BBBC021 download layout)', () => {
    const ref = labels();
    const paths = ref.map((r) => `${r.plate}/${r.file.split('/')[1]}`);
    const names = parseFileNames(paths, { ...filenamePreset('imagexpress')!, plateFrom: 'folder' });
    expect(names.unmatched).toEqual([]);
    const j = joinCsv(paths, imageCsv(), { key: { by: 'well', plateColumn: 'Image_Metadata_Plate_DAPI', wellColumn: 'Image_Metadata_Well_DAPI' }, imageMetadata: names.rows });
    expect(j.imagesWithoutRow).toEqual([]);
    // Each well has several sites, so the well key repeats; the compound is the same for all of them.
    expect(j.duplicateKeys.length).toBeGreaterThan(0);
    j.rows.forEach((r, i) => {
      expect(r.Image_Metadata_Compound).toBe(ref[i].compound);
      expect(Number(r.Image_Metadata_Concentration)).toBe(Number(ref[i].concentration));
    });
  });

  it('matches the full-size image names of all three channels by path (CellProfiler PathName + FileName)', () => {
    const table = parseCsv(imageCsv());
    const some = table.rows.filter((_, i) => i % 997 === 0);
    const paths = some.flatMap((r) => [`${r.Image_PathName_DAPI.split('/')[1]}/${r.Image_FileName_DAPI}`, `${r.Image_PathName_Actin.split('/')[1]}/${r.Image_FileName_Actin}`]);
    const j = joinCsv(paths, table, {
      key: { by: 'file', column: ['Image_FileName_DAPI', 'Image_FileName_Actin'], folderColumn: ['Image_PathName_DAPI', 'Image_PathName_Actin'], match: 'path' },
    });
    expect(j.imagesWithoutRow).toEqual([]);
    some.forEach((r, k) => {
      expect(j.rows[2 * k].ImageNumber).toBe(r.ImageNumber);
      expect(j.rows[2 * k + 1].ImageNumber).toBe(r.ImageNumber);
    });
  });
});
