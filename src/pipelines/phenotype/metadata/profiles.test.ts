import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { row } from '../analysis/matrix';
import { ProfileImportError, parseProfiles, profilesToCsv } from './profiles';

const rows = (p: ReturnType<typeof parseProfiles>) => Array.from({ length: p.features.n }, (_, i) => row(p.features, i));

describe('parseProfiles', () => {
  // Line 6 has no feature value; line 7 only has one in f_sparse, which is dropped.
  const text = [
    'Metadata_Plate,Metadata_Well,Compound,ImageNumber,f_a,f_b,f_const,f_sparse',
    'P1,A01,DMSO,1,1.0,10,5,',
    'P1,A02,taxol,2,2.0,NaN,5,',
    'P1,A03,"taxol, 2",3,,30,5,1',
    'P1,A04,x,4,4.0,40,5.0,',
    'P1,A05,y,5,,,,',
    'P1,A06,z,6,nan,NA,,7',
  ].join('\n');

  it('splits metadata from features, drops unusable columns and rows, fills gaps with the median', () => {
    const p = parseProfiles(text);
    expect(p.featureNames).toEqual(['f_a', 'f_b']);
    expect(p.features.n).toBe(4);
    expect(p.features.d).toBe(2);
    expect(p.features.data).toBeInstanceOf(Float64Array);
    // f_a: median of 1, 2, 4 = 2; f_b: median of 10, 30, 40 = 30.
    expect(rows(p)).toEqual([
      [1, 10],
      [2, 30],
      [2, 30],
      [4, 40],
    ]);
    expect(p.metadata[2]).toEqual({ Plate: 'P1', Well: 'A03', Compound: 'taxol, 2', ImageNumber: '3' });
    expect(p.lines).toEqual([2, 3, 4, 5]);
    expect(p.notes).toEqual([
      'Dropped 1 row with no feature values (line 6).',
      "Dropped 1 feature column missing in more than 50% of rows: 'f_sparse'.",
      "Dropped 1 constant feature column: 'f_const'.",
      'Dropped 1 more row whose only values were in dropped columns (line 7).',
      'Filled 2 missing values in 2 columns with the column median.',
    ]);
  });

  it('honours the missing-value threshold and metadata options', () => {
    const p = parseProfiles(text, { maxMissingFraction: 0.7, metadataColumns: [], stripPrefix: false });
    // f_sparse (60% missing) is kept; ImageNumber is a feature; prefixes stay.
    expect(p.featureNames).toEqual(['ImageNumber', 'f_a', 'f_b', 'f_sparse']);
    expect(Object.keys(p.metadata[0])).toEqual(['Metadata_Plate', 'Metadata_Well', 'Compound']);
    // With ImageNumber as a feature no row is empty; f_sparse is filled with the median of 1 and 7.
    expect(p.features.n).toBe(6);
    expect(rows(p).map((r) => r[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows(p).map((r) => r[3])).toEqual([4, 4, 1, 4, 4, 7]);
    expect(p.notes).toEqual([
      "Dropped 1 constant feature column: 'f_const'.",
      'Filled 10 missing values in 3 columns with the column median.', // f_a 3, f_b 3, f_sparse 4
    ]);
    const q = parseProfiles('Meta_a\tImage_b\tc\n1\t2\t3\n4\t5\t6\n', { metadataPrefix: ['meta_', 'Image_'] });
    expect(q.featureNames).toEqual(['c']);
    expect(q.metadata).toEqual([
      { a: '1', b: '2' },
      { a: '4', b: '5' },
    ]);
  });

  it('reads semicolon files with a BOM, quoted separators and decimal commas', () => {
    const p = parseProfiles('\uFEFFMetadata_Well;Metadata_Note;x;y\r\nA01;"a; b";1,5;2\r\nA02;"c";-0,5;1e3\r\nA03;"";3;-2\r\n');
    expect(p.featureNames).toEqual(['x', 'y']);
    expect(rows(p)).toEqual([
      [1.5, 2],
      [-0.5, 1000],
      [3, -2],
    ]);
    expect(p.metadata.map((m) => m.Note)).toEqual(['a; b', 'c', '']);
    expect(p.notes).toEqual([]);
  });

  it('treats ±Inf, overflow and spreadsheet errors as missing in TSV', () => {
    const p = parseProfiles('Metadata_id\tx\ty\n1\tInf\t1\n2\t2\t2\n3\t4\t-infinity\n4\t6\t3\n5\t1e999\t4\n6\t+INF\t#DIV/0!\n');
    // Line 7 has no finite value and is dropped; x: median of 2, 4, 6 = 4; y: median of 1, 2, 3, 4 = 2.5.
    expect(rows(p)).toEqual([
      [4, 1],
      [2, 2],
      [4, 2.5],
      [6, 3],
      [4, 4],
    ]);
    expect(p.notes).toEqual(['Dropped 1 row with no feature values (line 7).', 'Filled 3 missing values in 2 columns with the column median.']);
  });

  it('reads text columns without the prefix as metadata, noting columns that are almost all numbers', () => {
    const lines = ['Well,dose,x'];
    for (let i = 0; i < 10; i++) lines.push(`A${i + 1},${i === 7 ? 'high' : i},${i * i}`);
    const p = parseProfiles(lines.join('\n'));
    expect(p.featureNames).toEqual(['x']);
    expect(p.metadata[7]).toEqual({ Well: 'A8', dose: 'high' });
    expect(p.notes).toEqual(["Column 'dose' is mostly numbers but has text (e.g. 'high' on line 9); it is read as metadata."]);
  });

  it('keeps both names when removing the prefix would clash', () => {
    const p = parseProfiles('Metadata_Plate,Plate,x\nA,B,1\nC,D,2\n');
    expect(p.metadata[0]).toEqual({ Metadata_Plate: 'A', Plate: 'B' });
  });

  it('throws clear errors for structural problems', () => {
    const err = (t: string) => {
      try {
        parseProfiles(t);
      } catch (e) {
        expect(e).toBeInstanceOf(ProfileImportError);
        return (e as Error).message;
      }
      throw new Error('expected parseProfiles to throw');
    };
    expect(err('')).toBe('The profile file is empty.');
    expect(err('Metadata_a,b\n1,x\n2,y\n')).toBe("No numeric feature column found. Metadata columns (prefix 'Metadata_', identifiers or text): 'Metadata_a', 'b'.");
    expect(err('a,b\n1,2\n')).toBe('A profile table needs at least 2 rows; this one has 1.');
    // Blank line 3 and a quoted line break in line 4 must not shift the reported line numbers.
    expect(err('a,b\n1,2\n\n"3\n",4,5\n6\n7,8\n')).toBe('Rows must have as many cells as the header (2); 2 do not: line 4 (3), line 6 (1).');
    expect(err('a,b\n1,2\nNaN,NaN\n')).toBe('A profile table needs at least 2 rows with feature values; this one has 1.');
    expect(err('a,b\n1,2\n1,2\n')).toBe('No usable feature column: all 2 numeric columns are constant or mostly missing.');
    expect(err('a,b\n"1,2\n3,4\n')).toMatch(/^The profile file is not valid CSV: line 2: malformed CSV: /);
  });
});

describe('profilesToCsv', () => {
  it('writes prefixed metadata then features, neutralising formula-like text', () => {
    const csv = profilesToCsv({
      features: { data: Float64Array.from([1.5, NaN, -2, 1e-300]), n: 2, d: 2 },
      featureNames: ['a', '+b'],
      metadata: [{ Plate: 'P1', Metadata_Well: 'A01', note: '=HYPERLINK("x")' }, { Plate: '@P2', dose: '-1' }],
    });
    expect(csv).toBe(
      'Metadata_Plate,Metadata_Well,Metadata_note,Metadata_dose,a,\'+b\r\n' +
        'P1,A01,"\'=HYPERLINK(""x"")",,1.5,\r\n' +
        "'@P2,,,'-1,-2,1e-300\r\n",
    );
    const tsv = profilesToCsv({ features: { data: Float64Array.from([1, 2]), n: 2, d: 1 }, featureNames: ['x'], metadata: [] }, { delimiter: '\t', newline: '\n', bom: true });
    expect(tsv).toBe('\uFEFFx\n1\n2\n');
  });

  it('round-trips through parseProfiles exactly', () => {
    const n = 7, d = 3;
    const data = new Float64Array(n * d);
    for (let i = 0; i < n * d; i++) data[i] = Math.sin(i * 1.7) * 10 ** ((i % 7) - 3);
    const metadata = Array.from({ length: n }, (_, i) => ({ Plate: `Plätte ${i >> 2}`, Well: `A${String(i + 1).padStart(2, '0')}`, Compound: i % 2 ? 'taxol, 2 µM' : 'DMSO' }));
    const csv = profilesToCsv({ features: { data, n, d }, featureNames: ['Cells_AreaShape_Area', 'Nuclei_Intensity "mean"', 'f;3'], metadata });
    expect(Papa.parse<string[]>(csv.trim(), { delimiter: ',' }).data.map((r) => r.length)).toEqual(new Array(n + 1).fill(6));
    const back = parseProfiles(csv);
    expect(back.featureNames).toEqual(['Cells_AreaShape_Area', 'Nuclei_Intensity "mean"', 'f;3']);
    expect(Array.from(back.features.data)).toEqual(Array.from(data));
    expect(back.metadata).toEqual(metadata);
    expect(back.notes).toEqual([]);
  });

  it('rejects inconsistent shapes', () => {
    expect(() => profilesToCsv({ features: { data: new Float64Array(4), n: 2, d: 2 }, featureNames: ['a'], metadata: [] })).toThrow(/1 feature names for 2/);
    expect(() => profilesToCsv({ features: { data: new Float64Array(4), n: 2, d: 2 }, featureNames: ['a', 'b'], metadata: [{}] })).toThrow(/1 metadata rows for 2/);
  });
});
