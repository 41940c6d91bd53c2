import { describe, expect, it } from 'vitest';
import { basename, extension, normalisePath } from './path';

describe('path helpers', () => {
  it('normalisePath unifies separators and strips leading ./ and /', () => {
    expect(normalisePath(' .\\a\\\\b/c.png ')).toBe('a/b/c.png');
    expect(normalisePath('./././x.png')).toBe('x.png');
    expect(normalisePath('//root/x.png')).toBe('root/x.png');
    expect(normalisePath('Cats/X.PNG')).toBe('Cats/X.PNG'); // case is kept: matching is case-sensitive
  });

  it('basename and extension', () => {
    expect(basename('a/b/c.tar.gz')).toBe('c.tar.gz');
    expect(basename('c.png')).toBe('c.png');
    expect(extension('a/b/C.TIFF')).toBe('tiff');
    expect(extension('a.b/noext')).toBe('');
    expect(extension('.hidden')).toBe('');
  });
});
