import { strFromU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { makeZip, readZip, sanitiseEntryName, uniqueEntryNames } from './zip';

describe('sanitiseEntryName', () => {
  it.each([
    ['plain.txt', 'plain.txt'],
    ['dir/sub/file.bin', 'dir/sub/file.bin'],
    ['/etc/passwd', 'etc/passwd'],
    ['///abs//x', 'abs/x'],
    ['C:\\Windows\\system32\\evil.dll', 'Windows/system32/evil.dll'],
    ['c:relative.txt', 'relative.txt'],
    ['\\\\server\\share\\f', 'server/share/f'],
    ['../../outside.txt', 'outside.txt'],
    ['a/./b/../c', 'a/b/c'],
    ['..', 'file'],
    ['', 'file'],
    ['na\u0000me\u0007\u009f.txt', 'name.txt'],
    ['line\r\nbreak', 'linebreak'],
    ['what?<is>:"this"|*', 'what__is___this___'],
    ['trailing. ', 'trailing'],
    ['CON', '_CON'],
    ['logs/nul.txt', 'logs/_nul.txt'],
    ['console.txt', 'console.txt'],
    ['.hidden', '.hidden'],
  ])('%j -> %j', (input, expected) => {
    expect(sanitiseEntryName(input)).toBe(expected);
  });
});

describe('uniqueEntryNames', () => {
  it('suffixes collisions before the extension, case-insensitively, keeping order', () => {
    expect(uniqueEntryNames(['a.txt', 'A.TXT', '/a.txt', 'a (2).txt', 'dir/.env', 'dir\\.env', 'noext', 'noext']))
      .toEqual(['a.txt', 'A (2).TXT', 'a (3).txt', 'a (2) (2).txt', 'dir/.env', 'dir/.env (2)', 'noext', 'noext (2)']);
  });
});

describe('makeZip / readZip', () => {
  it('round-trips text and binary entries with sanitised, unique names', () => {
    const bin = new Uint8Array(1000).map((_, i) => (i * 31) & 255);
    const zip = makeZip([
      { name: 'model.json', data: '{"a":1}' },
      { name: 'weights/../weights.bin', data: bin },
      { name: 'MODEL.json', data: 'second' },
    ], { mtime: new Date(Date.UTC(2020, 0, 1)) });
    const raw = unzipSync(zip);
    expect(Object.keys(raw)).toEqual(['model.json', 'weights/weights.bin', 'MODEL (2).json']);
    const read = readZip(zip);
    expect(Object.getPrototypeOf(read)).toBeNull();
    expect(Object.keys(read)).toEqual(['model.json', 'weights/weights.bin', 'MODEL (2).json']);
    expect(strFromU8(read['model.json'])).toBe('{"a":1}');
    expect([...read['weights/weights.bin']]).toEqual([...bin]);
    expect(strFromU8(read['MODEL (2).json'])).toBe('second');
  });

  it('is byte-for-byte reproducible for a fixed mtime', () => {
    const mk = () => makeZip([{ name: 'x.txt', data: 'hello' }], { mtime: new Date(Date.UTC(2021, 5, 6)) });
    expect([...mk()]).toEqual([...mk()]);
  });

  it('sanitises hostile names in archives it reads and skips directory entries', () => {
    const hostile = zipSync({
      '../../evil.sh': new Uint8Array([1]),
      'C:\\boot.ini': new Uint8Array([2]),
      'dir/': new Uint8Array(0),
      constructor: new Uint8Array([3]),
    });
    const read = readZip(hostile);
    expect(Object.keys(read).sort()).toEqual(['boot.ini', 'constructor', 'evil.sh']);
    expect([...read['constructor']]).toEqual([3]);
  });

  it('refuses archives that expand beyond the limits', () => {
    const zip = makeZip([{ name: 'a', data: new Uint8Array(5000) }, { name: 'b', data: new Uint8Array(10) }]);
    expect(() => readZip(zip, { maxTotalBytes: 4096 })).toThrow('Zip expands to more than 4096 bytes');
    expect(() => readZip(zip, { maxEntries: 1 })).toThrow('Zip has more than 1 entries');
    expect(Object.keys(readZip(zip))).toEqual(['a', 'b']);
  });
});
