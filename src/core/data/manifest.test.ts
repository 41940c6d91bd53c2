import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectDelimiter, findPathColumn, joinManifest, parseManifest } from './manifest';
import type { Labels } from './types';

const entries = (m: Map<string, Labels>) => [...m.entries()];

describe('parseManifest (CSV)', () => {
  it('reads a comma CSV with a UTF-8 BOM', () => {
    const r = parseManifest('\ufeffpath,class,domain\na/x.png,dog,photo\nb/y.png,cat,art\n', 'labels.csv');
    expect(r.problems).toEqual([]);
    expect(r.fatal).toBe(false);
    expect(r.pathColumn).toBe('path');
    expect(r.labelColumns).toEqual(['class', 'domain']);
    expect(entries(r.rows)).toEqual([
      ['a/x.png', { class: 'dog', domain: 'photo' }],
      ['b/y.png', { class: 'cat', domain: 'art' }],
    ]);
  });

  it('detects semicolon and tab separators', () => {
    // European CSV: ';' separates, ',' is a decimal mark.
    const semi = parseManifest('file;score;class\nx.png;1,5;dog\n');
    expect(entries(semi.rows)).toEqual([['x.png', { score: '1,5', class: 'dog' }]]);
    const tab = parseManifest('filename\tlabel\r\nx.png\tcat\r\n', 'm.tsv');
    expect(tab.pathColumn).toBe('filename');
    expect(entries(tab.rows)).toEqual([['x.png', { label: 'cat' }]]);
    expect(detectDelimiter('"a;b",c,d\n')).toBe(',');
    expect(detectDelimiter('only\n')).toBe(',');
  });

  it('handles quoted fields and reports file line numbers across embedded newlines', () => {
    const text = 'path,note\n"a,b.png","say ""hi""\nthere"\nc.png,ok\nc.png,again\n';
    const r = parseManifest(text);
    expect(entries(r.rows)).toEqual([
      ['a,b.png', { note: 'say "hi"\nthere' }],
      ['c.png', { note: 'ok' }],
    ]);
    expect(r.problems).toEqual([{ line: 5, message: "duplicate path 'c.png' (first on line 4); kept line 4" }]);
  });

  it('reports missing cells and paths but keeps what it can', () => {
    const r = parseManifest('path,class,domain\nx.png,dog\ny.png,,art\n\nz.png,cat,photo\n,cat,photo\n');
    expect(entries(r.rows)).toEqual([
      ['x.png', { class: 'dog' }],
      ['y.png', { domain: 'art' }],
      ['z.png', { class: 'cat', domain: 'photo' }],
    ]);
    expect(r.problems).toEqual([
      { line: 2, message: 'row has 2 cells but the header has 3 columns' },
      { line: 2, message: "missing value for 'domain' (path 'x.png')" },
      { line: 3, message: "missing value for 'class' (path 'y.png')" },
      { line: 6, message: "missing path in column 'path'; row skipped" },
    ]);
  });

  it('fails clearly without a path column', () => {
    const r = parseManifest('name,class\nx,dog\n');
    expect(r.fatal).toBe(true);
    expect(r.rows.size).toBe(0);
    expect(r.problems).toEqual([
      { line: 1, message: "no path column (expected one of path, filepath, file_path, relative_path, relpath, file, filename, file_name, … or FileName_*); columns found: 'name', 'class'" },
    ]);
    expect(parseManifest('a,b\nx,1\n', '', { pathColumn: 'img' }).problems[0].message).toBe("path column 'img' not found; columns found: 'a', 'b'");
  });

  it('auto-detects CellProfiler FileName_* columns and honours explicit columns', () => {
    const cp = parseManifest('ImageNumber,FileName_DNA,PathName_DNA,Metadata_Compound\n1,a.tif,/x,DMSO\n');
    expect(cp.pathColumn).toBe('FileName_DNA');
    expect(entries(cp.rows)).toEqual([['a.tif', { ImageNumber: '1', PathName_DNA: '/x', Metadata_Compound: 'DMSO' }]]);
    const pick = parseManifest('A,b,c\nx.png,1,2\n', '', { pathColumn: 'a', labelColumns: ['c', 'zz'] });
    expect(pick.pathColumn).toBe('A');
    expect(entries(pick.rows)).toEqual([['x.png', { c: '2' }]]);
    expect(pick.problems).toEqual([{ line: 1, message: "label column 'zz' not found; columns found: A, b, c" }]);
    expect(findPathColumn(['Image Path', 'class'])).toBe('Image Path');
    expect(findPathColumn(['label', 'score'])).toBeNull();
  });

  it('normalises paths so duplicates are found across spellings', () => {
    const r = parseManifest('path,class\n.\\a\\x.png,dog\na/x.png,cat\n');
    expect(entries(r.rows)).toEqual([['a/x.png', { class: 'dog' }]]);
    expect(r.problems).toEqual([{ line: 3, message: "duplicate path 'a/x.png' (first on line 2); kept line 2" }]);
  });

  it('reports empty and header-only files', () => {
    for (const text of ['', '\ufeff  \n', '\n\n']) {
      expect(parseManifest(text, 'x.csv')).toMatchObject({ fatal: true, problems: [{ line: 1, message: 'manifest is empty' }] });
    }
    expect(parseManifest('\npath,class\n')).toMatchObject({ fatal: true, problems: [{ line: 2, message: 'manifest has a header but no rows' }] });
  });
});

describe('parseManifest (JSON)', () => {
  it('reads an array of objects with per-entry lines', () => {
    const text = '[\n  {"path": "a/x.png", "class": "dog", "n": 3},\n  {"path": "b.png", "class": null},\n  "oops"\n]';
    const r = parseManifest(text, 'm.json');
    expect(r.pathColumn).toBe('path');
    expect(entries(r.rows)).toEqual([
      ['a/x.png', { class: 'dog', n: '3' }],
      ['b.png', {}],
    ]);
    expect(r.problems).toEqual([
      { line: 3, message: "missing values for 'class', 'n' (path 'b.png')" },
      { line: 4, message: 'entry 3 is not an object; skipped' },
    ]);
  });

  it('reads an object keyed by path', () => {
    const r = parseManifest('{\n "a.png": {"class": "cat", "tags": ["x"]},\n "b.png": "dog"\n}');
    expect(entries(r.rows)).toEqual([['a.png', { class: 'cat' }]]);
    expect(r.problems).toEqual([
      { line: 2, message: "entry 'a.png': value of 'tags' is not text or a number; ignored" },
      { line: 3, message: "entry 'b.png' should map to an object of labels; skipped" },
    ]);
  });

  it('reports invalid JSON with its line', () => {
    const r = parseManifest('{\n"a.png": {"class": "x"},\n}', 'm.json');
    expect(r.fatal).toBe(true);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].line).toBe(3);
    expect(r.problems[0].message).toMatch(/^invalid JSON: /);
    expect(parseManifest('[]', 'm.json').problems).toEqual([{ line: 1, message: 'manifest is empty' }]);
  });
});

describe('joinManifest', () => {
  it('matches composed manifest names to decomposed file names', () => {
    const parsed = parseManifest('path,k\ncat/café.png,v\n');
    const j = joinManifest(['drop/cat/cafe\u0301.png'], parsed);
    expect(j.labels).toEqual([{ k: 'v' }]);
    expect(j.matchedBy).toEqual(['suffix']);
  });

  const rows = new Map<string, Labels>([
    ['crops/a.png', { c: '1' }],
    ['crops/b.png', { c: '2' }],
    ['train/z.png', { c: '3' }],
    ['x/dup.png', { c: '4' }],
    ['y/dup.png', { c: '5' }],
    ['same.png', { c: '6' }],
    ['c.png', { c: '7' }],
    ['ghost.png', { c: '8' }],
  ]);

  it('matches by full path, then path suffix, then unique file name', () => {
    const paths = ['crops/a.png', 'drop\\crops\\b.png', 'cats/z.png', 'dup.png', 'a1/same.png', 'a2/same.png', 'C.png'];
    const j = joinManifest(paths, rows);
    expect(j.labels).toEqual([{ c: '1' }, { c: '2' }, { c: '3' }, undefined, undefined, undefined, undefined]);
    expect(j.matchedBy).toEqual(['path', 'suffix', 'basename', undefined, undefined, undefined, undefined]);
    // 'dup.png' fits two rows and 'same.png' is claimed by two files: ambiguous, not applied.
    expect(j.ambiguous).toEqual([
      { row: 'x/dup.png', files: ['dup.png'] },
      { row: 'y/dup.png', files: ['dup.png'] },
      { row: 'same.png', files: ['a1/same.png', 'a2/same.png'] },
    ]);
    // 'C.png' differs in case from row 'c.png': no match at all.
    expect(j.unknownInManifest).toEqual(['c.png', 'ghost.png']);
    expect(j.unlabelled).toEqual(['dup.png', 'a1/same.png', 'a2/same.png', 'C.png']);
  });

  it('accepts a parsed manifest and prefers exact matches over suffix ones', () => {
    const parsed = parseManifest('path,k\nx.png,top\nsub/x.png,deep\n');
    const j = joinManifest(['x.png', 'sub/x.png'], parsed);
    expect(j.labels).toEqual([{ k: 'top' }, { k: 'deep' }]);
    expect(j.unknownInManifest).toEqual([]);
    expect(j.ambiguous).toEqual([]);
  });
});

const DRESDEN = '/work/shared/data/camera-dresden';
if (!existsSync(DRESDEN)) console.log(`manifest: real-file test skipped because ${DRESDEN} is not present`);
describe.skipIf(!existsSync(DRESDEN))('manifest on the shared camera-dresden labels.csv', () => {
  it('labels every crop of a dropped folder by path suffix', () => {
    const parsed = parseManifest(readFileSync(`${DRESDEN}/labels.csv`, 'utf8'), 'labels.csv');
    expect(parsed.problems).toEqual([]);
    expect(parsed.pathColumn).toBe('file');
    expect(parsed.labelColumns).toEqual(['device', 'model', 'kind', 'exif_make', 'exif_model']);
    const files = readdirSync(`${DRESDEN}/crops`).map((f) => `camera-dresden/crops/${f}`);
    const j = joinManifest(files, parsed);
    expect(j.unlabelled).toEqual([]);
    expect(j.unknownInManifest).toEqual([]);
    expect(new Set(j.matchedBy)).toEqual(new Set(['suffix']));
    const i = files.indexOf('camera-dresden/crops/Nikon_D200_0_14902.png');
    expect(j.labels[i]).toEqual({ device: 'Nikon_D200_0', model: 'Nikon_D200', kind: 'natural', exif_make: 'NIKON CORPORATION', exif_model: 'NIKON D200' });
  });
});
