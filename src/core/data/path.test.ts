import { describe, expect, it } from 'vitest';
import { basename, extension, normalisePath, safeRelativePath } from './path';

describe('path helpers', () => {
  it('normalisePath unifies separators and strips leading ./ and /', () => {
    expect(normalisePath(' .\\a\\\\b/c.png ')).toBe('a/b/c.png');
    expect(normalisePath('./././x.png')).toBe('x.png');
    expect(normalisePath('//root/x.png')).toBe('root/x.png');
    expect(normalisePath('Cats/X.PNG')).toBe('Cats/X.PNG'); // case is kept: matching is case-sensitive
    expect(normalisePath('../ann/x.png')).toBe('../ann/x.png'); // '..' is left for callers that resolve it
  });

  it('normalisePath composes unicode so decomposed and composed names are equal', () => {
    const decomposed = 'Zellen/cafe\u0301 Ü.png'.replace('Ü', 'U\u0308');
    expect(decomposed).not.toBe('Zellen/café Ü.png');
    expect(normalisePath(decomposed)).toBe('Zellen/café Ü.png');
  });

  it('safeRelativePath resolves dot segments without leaving the root', () => {
    expect(safeRelativePath('../../evil.png')).toEqual({ path: 'evil.png', climbed: true });
    expect(safeRelativePath('x/../../y/escape.png')).toEqual({ path: 'y/escape.png', climbed: true });
    expect(safeRelativePath('..\\..\\win.png')).toEqual({ path: 'win.png', climbed: true });
    expect(safeRelativePath('a/./b/../c.png')).toEqual({ path: 'a/c.png', climbed: true });
    expect(safeRelativePath('root/my cats/..hidden/a..b.png')).toEqual({ path: 'root/my cats/..hidden/a..b.png', climbed: false });
    expect(safeRelativePath('./root//x.png')).toEqual({ path: 'root/x.png', climbed: false });
  });

  it('basename and extension', () => {
    expect(basename('a/b/c.tar.gz')).toBe('c.tar.gz');
    expect(basename('c.png')).toBe('c.png');
    expect(extension('a/b/C.TIFF')).toBe('tiff');
    expect(extension('a.b/noext')).toBe('');
    expect(extension('.hidden')).toBe('');
  });
});
