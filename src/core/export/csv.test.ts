import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './csv';

describe('csvField', () => {
  it('quotes per RFC 4180 only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('a;b', ';')).toBe('"a;b"');
    expect(csvField('a,b', ';')).toBe('a,b');
  });

  it('neutralises formula starts in text but keeps real numbers numeric', () => {
    expect(csvField('=SUM(A1:A9)')).toBe("'=SUM(A1:A9)");
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-3.5')).toBe("'-3.5"); // a string, so it could be anything
    expect(csvField('@cmd')).toBe("'@cmd");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('\rx')).toBe('"\'\rx"');
    expect(csvField('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvField(-3.5)).toBe('-3.5');
    expect(csvField(-0.001)).toBe('-0.001');
    expect(csvField(-12n)).toBe('-12');
    expect(csvField(-Infinity)).toBe('-Infinity');
    expect(csvField('a=b')).toBe('a=b');
  });

  it('writes empty, boolean, date and object values', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(true)).toBe('true');
    expect(csvField(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))).toBe('2024-01-02T03:04:05.000Z');
    expect(csvField({ a: [1, 2] })).toBe('"{""a"":[1,2]}"');
  });
});

describe('toCsv', () => {
  it('serialises records with the union of keys as columns', () => {
    const csv = toCsv([{ image: 'a.png', score: -3.5 }, { image: 'b,c.png', label: '=cmd' }]);
    expect(csv).toBe('image,score,label\r\na.png,-3.5,\r\n"b,c.png",,\'=cmd\r\n');
  });

  it('serialises {columns, rows} with array rows or record rows', () => {
    expect(toCsv({ columns: ['x', 'y'], rows: [[1, null], [-2, 'n']] })).toBe('x,y\r\n1,\r\n-2,n\r\n');
    expect(toCsv({ columns: ['x', '-y'], rows: [{ x: 1, '-y': 2 }] }, { newline: '\n', bom: true })).toBe('\uFEFFx,\'-y\n1,2\n');
    expect(toCsv({ columns: ['x'], rows: [[1]] }, { header: false })).toBe('1\r\n');
    expect(toCsv([])).toBe('');
  });

  it('parses back to the same cells with a standard CSV parser', () => {
    const rows = [{ name: 'quote "q"', multi: 'a\r\nb', n: 0.25, neg: -7, text: ' spaced ' }];
    const parsed = Papa.parse<string[]>(toCsv(rows), { newline: '\r\n' }).data.filter((r) => r.length > 1);
    expect(parsed).toEqual([['name', 'multi', 'n', 'neg', 'text'], ['quote "q"', 'a\r\nb', '0.25', '-7', ' spaced ']]);
  });

  it('rejects delimiters that would break the format', () => {
    expect(() => toCsv([{ a: 1 }], { delimiter: '"' })).toThrow('CSV delimiter must be non-empty');
  });
});
