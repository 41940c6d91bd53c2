import { describe, expect, it } from 'vitest';
import {
  FILENAME_PRESETS,
  compilePattern,
  detectPreset,
  filenamePreset,
  normaliseWell,
  parseFileName,
  parseFileNames,
  rowLetters,
  rowNumber,
  wellFromRowColumn,
} from './filename';

describe('well names', () => {
  it('maps plate rows to letters beyond Z like spreadsheet columns', () => {
    expect([1, 2, 8, 16, 26, 27, 28, 32, 52, 53, 702, 703].map(rowLetters)).toEqual(['A', 'B', 'H', 'P', 'Z', 'AA', 'AB', 'AF', 'AZ', 'BA', 'ZZ', 'AAA']);
    for (let r = 1; r <= 1000; r++) expect(rowNumber(rowLetters(r))).toBe(r);
    expect(rowNumber('af')).toBe(32);
    expect(rowNumber('A1')).toBeNaN();
    expect(() => rowLetters(0)).toThrow(/positive integer/);
  });

  it('normalises wells to row letters plus two digits', () => {
    expect(normaliseWell('A1')).toBe('A01');
    expect(normaliseWell('a01')).toBe('A01');
    expect(normaliseWell('A001')).toBe('A01');
    expect(normaliseWell(' h12 ')).toBe('H12');
    expect(normaliseWell('B-3')).toBe('B03');
    expect(normaliseWell('P_24')).toBe('P24');
    expect(normaliseWell('AF48')).toBe('AF48'); // last well of a 1536-well plate
    expect(normaliseWell('af 7')).toBe('AF07');
    expect(normaliseWell('r02c05')).toBe('B05');
    expect(normaliseWell('R32C48')).toBe('AF48');
    expect(normaliseWell('A0')).toBeNull();
    expect(normaliseWell('12')).toBeNull();
    expect(normaliseWell('A1234')).toBeNull();
    expect(normaliseWell('')).toBeNull();
  });

  it('builds wells from row and column in either form', () => {
    expect(wellFromRowColumn(1, 1)).toBe('A01');
    expect(wellFromRowColumn('01', '01')).toBe('A01');
    expect(wellFromRowColumn('27', '3')).toBe('AA03');
    expect(wellFromRowColumn('c', '10')).toBe('C10');
    expect(wellFromRowColumn(0, 1)).toBeNull();
    expect(wellFromRowColumn('A', 'x')).toBeNull();
  });
});

describe('presets', () => {
  it('each preset reads its documented example', () => {
    for (const preset of FILENAME_PRESETS) {
      const { pattern, error } = compilePattern(preset);
      expect(error).toBeUndefined();
      expect(parseFileName(preset.example.name, pattern!)).toEqual(preset.example.fields);
    }
  });

  it('ImageXpress: BBBC021 image names, with or without plate prefix, GUID and crop index', () => {
    const { rows, unmatched } = parseFileNames(
      [
        'Week1_22123/Week1_150607_B02_s1_w107447158-AC76-4844-8431-E6A954BD1174.tif',
        'G10_s4_w43CD51CBC-2370-471F-BA01-EE250B14B3C8.tif',
        'dmso/B02_s1_w16F89C55C-7808-4136-82E4-E066F8E3CB10_101.tif',
        'plate9_P24_s12_w3.TIF',
        'DEMO1_B03_s2.png',
      ],
      'imagexpress',
    );
    expect(rows[0]).toMatchObject({ plate: 'Week1_150607', well: 'B02', site: '1', channel: '1', guid: '07447158-AC76-4844-8431-E6A954BD1174' });
    expect(rows[1]).toEqual({ well: 'G10', row: 'G', column: '10', site: '4', channel: '4', guid: '3CD51CBC-2370-471F-BA01-EE250B14B3C8' });
    expect(rows[2]).toMatchObject({ well: 'B02', site: '1', channel: '1', guid: '6F89C55C-7808-4136-82E4-E066F8E3CB10', object: '101' });
    expect(rows[2].plate).toBeUndefined();
    expect(rows[3]).toEqual({ plate: 'plate9', well: 'P24', row: 'P', column: '24', site: '12', channel: '3' });
    expect(rows[4]).toEqual({}); // no _w<channel>: not ImageXpress
    expect(unmatched).toEqual(['DEMO1_B03_s2.png']);
  });

  it('Opera / Operetta: numeric row and column, field, plane, channel; 1536-well rows', () => {
    const { rows } = parseFileNames(['Images/r16c24f09p02-ch4sk3fk1fl1.tiff', 'r32c48f001p01-ch1.tiff', 'r01c01f01p01-CH2sk1fk1fl1.TIFF'], 'opera');
    expect(rows[0]).toEqual({ well: 'P24', row: 'P', column: '24', site: '9', plane: '2', channel: '4', timepoint: '3', fk: '1', fl: '1' });
    expect(rows[1]).toEqual({ well: 'AF48', row: 'AF', column: '48', site: '1', plane: '1', channel: '1' });
    expect(rows[2]).toMatchObject({ well: 'A01', channel: '2' });
  });

  it('Cellomics: plate with underscores, zero-based field and channel kept as written', () => {
    const { rows, unmatched } = parseFileNames(['MFGTMP_140206180002_P24f12d3.TIF', 'x_A1f00d0.tif'], 'cellomics');
    expect(rows[0]).toEqual({ plate: 'MFGTMP_140206180002', well: 'P24', row: 'P', column: '24', site: '12', channel: '3' });
    expect(unmatched).toEqual(['x_A1f00d0.tif']); // Cellomics always writes two-digit columns
  });

  it('demo and generic naming, including Unicode plate names', () => {
    expect(parseFileNames(['Plätte_東京_AB12_s03.png'], 'demo').rows[0]).toEqual({ plate: 'Plätte_東京', well: 'AB12', row: 'AB', column: '12', site: '3' });
    const g = parseFileNames(['screen_7_h3_2.tif', 'C4_site5.png', 'plate_A1_field02', 'nothing.tif'], 'generic');
    expect(g.rows.slice(0, 3)).toEqual([
      { plate: 'screen_7', well: 'H03', row: 'H', column: '3', site: '2' },
      { well: 'C04', row: 'C', column: '4', site: '5' },
      { plate: 'plate', well: 'A01', row: 'A', column: '1', site: '2' },
    ]);
    expect(g.rows[3]).toEqual({});
    expect(g.unmatched).toEqual(['nothing.tif']);
  });
});

describe('custom patterns', () => {
  it('resolves aliases, passes other groups through and completes well / row / column', () => {
    const { rows } = parseFileNames(['exp3-R04-C11-F002-dapi.png'], '^(?<experiment>exp\\d+)-R(?<row>\\d+)-C(?<col>\\d+)-F(?<field>\\d+)-(?<stain>\\w+)\\.png$');
    expect(rows[0]).toEqual({ well: 'D11', row: 'D', column: '11', site: '2', experiment: 'exp3', stain: 'dapi' });
  });

  it('a pattern whose well is not a well leaves the file unmatched', () => {
    const r = parseFileNames(['p_A0_s1.png', 'p_A1_s1.png'], '^(?<plate>\\w+?)_(?<well>[A-Z]\\d+)_s(?<site>\\d+)');
    expect(r.unmatched).toEqual(['p_A0_s1.png']);
    expect(r.rows[1]).toMatchObject({ plate: 'p', well: 'A01', site: '1' });
  });

  it('takes the plate from the parent folder when asked', () => {
    const paths = ['Week4_27481/G10_s1_w1.tif', 'root/Week4_27521/P1_P02_s1_w1.tif', 'B02_s1_w2.tif'];
    const folder = parseFileNames(paths, { ...filenamePreset('imagexpress')!, plateFrom: 'folder' });
    expect(folder.rows.map((r) => r.plate)).toEqual(['Week4_27481', 'Week4_27521', undefined]);
    const fallback = parseFileNames(paths, { ...filenamePreset('imagexpress')!, plateFrom: 'name-or-folder' });
    expect(fallback.rows.map((r) => r.plate)).toEqual(['Week4_27481', 'P1', undefined]);
    // Windows separators are normalised first.
    expect(parseFileNames(['D:\\screen\\PL01\\A01_s1_w1.tif'], { ...filenamePreset('imagexpress')!, plateFrom: 'folder' }).rows[0].plate).toBe('PL01');
  });

  it('can match the whole relative path', () => {
    const r = parseFileNames(['PL7/A/img_3.png', 'other/x.png'], { regex: '^(?<plate>[^/]+)/(?<row>[A-Z])/img_(?<column>\\d+)\\.png$', target: 'path' });
    expect(r.rows[0]).toEqual({ plate: 'PL7', well: 'A03', row: 'A', column: '3' });
    expect(r.unmatched).toEqual(['other/x.png']);
  });

  it('is case-insensitive for string patterns and ignores the g / y flags of a RegExp', () => {
    expect(parseFileNames(['PLATE_A01_S1.PNG'], '^(?<plate>.+)_(?<well>[a-z]\\d+)_s(?<site>\\d)\\.png$').rows[0]).toMatchObject({ plate: 'PLATE', well: 'A01' });
    expect(parseFileNames(['PLATE_A01_S1.PNG'], { regex: '_(?<well>[a-z]\\d+)_', flags: '' }).unmatched).toEqual(['PLATE_A01_S1.PNG']);
    const names = ['x_A01_1', 'x_B02_1', 'x_C03_1'];
    // A stateful /g or /y regex would skip names after the first match; each one must match.
    expect(parseFileNames(names, /_(?<well>[A-H]\d{2})_/g).unmatched).toEqual([]);
    expect(parseFileNames(names, /_(?<well>[A-H]\d{2})_/gy).rows.map((r) => r.well)).toEqual(['A01', 'B02', 'C03']);
  });

  it('reports an invalid or unusable pattern as a message, not an exception', () => {
    const bad = parseFileNames(['a.tif', 'b.tif'], '(?<well[A-H]');
    expect(bad.error).toMatch(/^The file-name pattern is not a valid regular expression: .*group/);
    expect(bad.rows).toEqual([{}, {}]);
    expect(bad.unmatched).toEqual(['a.tif', 'b.tif']);
    expect(parseFileNames(['a'], '([A-H])(\\d+)').error).toMatch(/no named groups/);
    expect(parseFileNames(['a'], '(?<=x)\\(?<notagroup>').error).toMatch(/no named groups/);
    expect(parseFileNames(['a'], '   ').error).toMatch(/empty/);
    expect(parseFileNames(['a'], '(?<a>x)(?<a>y)').error).toMatch(/not a valid regular expression/);
    // Without named groups but with the plate taken from the folder, a pattern is still usable.
    expect(parseFileNames(['PL1/x.tif'], { regex: '\\.tif$', plateFrom: 'folder' }).rows[0]).toEqual({ plate: 'PL1' });
  });
});

describe('detectPreset', () => {
  it('picks the preset that reads the most names', () => {
    const opera = ['r01c01f01p01-ch1sk1fk1fl1.tiff', 'r01c01f01p01-ch2sk1fk1fl1.tiff', 'r02c03f04p01-ch1sk1fk1fl1.tiff'];
    const d = detectPreset([...opera, 'DEMO1_B03_s2.png', 'notes.txt']);
    expect(d?.preset.name).toBe('opera');
    expect(d?.matched).toBe(3);
    expect(d?.total).toBe(5);
    expect(d?.counts).toEqual({ opera: 3, cellomics: 0, imagexpress: 0, demo: 1, generic: 1 });
  });

  it('prefers the more specific preset on a tie and returns null when nothing matches', () => {
    // Demo names are also generic names; the demo preset is listed first.
    expect(detectPreset(['DEMO1_B03_s2.png', 'DEMO1_B04_s1.png'])?.preset.name).toBe('demo');
    expect(detectPreset(['P_A01_3.tif', 'DEMO1_B03_s2.png', 'P_A01_4.tif'])?.preset.name).toBe('generic');
    expect(detectPreset(['MFGTMP_1_A01f00d0.TIF'])?.preset.name).toBe('cellomics');
    expect(detectPreset(['a.png', 'b.png'])).toBeNull();
    expect(detectPreset([])).toBeNull();
  });
});
