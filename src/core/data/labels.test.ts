import { describe, expect, it } from 'vitest';
import type { Labels } from './types';
import { commonRoot, countLabels, labelsForPaths, labelsFromPath, stripCommonRoot, templateDepth } from './labels';

describe('labelsFromPath', () => {
  it.each([
    ['cats/a.png', 'class', { class: 'cats' }],
    ['photo/dog/a.jpg', 'domain/class', { domain: 'photo', class: 'dog' }],
    ['flat/Nikon_D70/a.jpg', 'class/camera', { class: 'flat', camera: 'Nikon_D70' }],
    ['anything/a.png', 'none', {}],
    ['a.png', 'none', {}],
    // Deeper paths use the last n folder levels.
    ['pacs/photo/dog/a.jpg', 'domain/class', { domain: 'photo', class: 'dog' }],
    ['pacs/photo/dog/a.jpg', 'class', { class: 'dog' }],
    // Windows separators and leading './' are normalised.
    ['.\\photo\\dog\\a.jpg', 'domain/class', { domain: 'photo', class: 'dog' }],
  ] as const)('%s with %s', (path, template, labels) => {
    expect(labelsFromPath(path, template)).toEqual({ labels });
  });

  it('explains paths that are too shallow', () => {
    expect(labelsFromPath('a.png', 'domain/class')).toEqual({ error: "path 'a.png' has 0 folder levels but template 'domain/class' needs 2" });
    expect(labelsFromPath('dog/a.png', 'domain/class')).toEqual({ error: "path 'dog/a.png' has 1 folder level but template 'domain/class' needs 2" });
    expect(labelsFromPath('a.png', 'class')).toEqual({ error: "path 'a.png' has 0 folder levels but template 'class' needs 1" });
  });

  it('skips root levels when asked', () => {
    expect(labelsFromPath('root/dog/a.png', 'class', { rootPrefixDepth: 1 })).toEqual({ labels: { class: 'dog' } });
    expect(labelsFromPath('root/a.png', 'class', { rootPrefixDepth: 1 })).toEqual({ error: "path 'root/a.png' has 0 folder levels after skipping 1 root level but template 'class' needs 1" });
  });

  it('templateDepth counts the folders a template needs', () => {
    expect([templateDepth('none'), templateDepth('class'), templateDepth('domain/class'), templateDepth('class/camera')]).toEqual([0, 1, 2, 2]);
  });
});

describe('labelsForPaths', () => {
  it('never labels a file with the dropped folder when other files are deeper', () => {
    const paths = ['drop/photo/dog/a.png', 'drop/art/cat/b.png', 'drop/dog/c.png', 'drop/d.png'];
    expect(labelsForPaths(paths, 'domain/class')).toEqual([
      { labels: { domain: 'photo', class: 'dog' } },
      { labels: { domain: 'art', class: 'cat' } },
      { error: "path 'drop/dog/c.png' has 1 folder level below the dropped folder 'drop' but template 'domain/class' needs 2" },
      { error: "path 'drop/d.png' has 0 folder levels below the dropped folder 'drop' but template 'domain/class' needs 2" },
    ]);
    expect(labelsForPaths(['cells/cat/a.png', 'cells/stray.png'], 'class')).toEqual([
      { labels: { class: 'cat' } },
      { error: "path 'cells/stray.png' has 0 folder levels below the dropped folder 'cells' but template 'class' needs 1" },
    ]);
  });

  it('uses the dropped folder as a label when every file needs it (a single class folder)', () => {
    expect(labelsForPaths(['cats/a.png', 'cats/b.png'], 'class')).toEqual([{ labels: { class: 'cats' } }, { labels: { class: 'cats' } }]);
    expect(labelsForPaths(['photo/dog/a.png', 'photo/cat/b.png'], 'domain/class')).toEqual([
      { labels: { domain: 'photo', class: 'dog' } },
      { labels: { domain: 'photo', class: 'cat' } },
    ]);
  });

  it('falls back to per-path rules without a common dropped folder', () => {
    expect(labelsForPaths(['cat/a.png', 'dog/x/b.png', 'c.png'], 'class')).toEqual([
      { labels: { class: 'cat' } },
      { labels: { class: 'x' } },
      { error: "path 'c.png' has 0 folder levels but template 'class' needs 1" },
    ]);
    expect(labelsForPaths(['drop/a/b.png'], 'none')).toEqual([{ labels: {} }]);
    expect(labelsForPaths([], 'class')).toEqual([]);
  });
});

describe('stripCommonRoot', () => {
  it('removes the shared root folder', () => {
    expect(stripCommonRoot(['pacs/photo/dog/a.jpg', 'pacs/art/cat/b.jpg'])).toEqual(['photo/dog/a.jpg', 'art/cat/b.jpg']);
    expect(commonRoot(['pacs/photo/dog/a.jpg', 'pacs/art/cat/b.jpg'])).toBe('pacs');
    expect(stripCommonRoot(['root/sub/cats/a.png', 'root/sub/dogs/b.png'])).toEqual(['cats/a.png', 'dogs/b.png']);
  });

  it('keeps at least one folder level by default so single-class drops keep their class', () => {
    expect(stripCommonRoot(['cats/a.png', 'cats/b.png'])).toEqual(['cats/a.png', 'cats/b.png']);
    expect(stripCommonRoot(['drop/cats/a.png', 'drop/cats/b.png'])).toEqual(['cats/a.png', 'cats/b.png']);
    expect(stripCommonRoot(['drop/photo/dog/a.png'], 2)).toEqual(['photo/dog/a.png']);
    expect(stripCommonRoot(['drop/cats/a.png', 'drop/cats/b.png'], 0)).toEqual(['a.png', 'b.png']);
  });

  it('leaves paths alone when there is no common folder', () => {
    expect(stripCommonRoot(['a.png', 'x/b.png'])).toEqual(['a.png', 'x/b.png']);
    expect(stripCommonRoot(['x/a.png', 'y/b.png'])).toEqual(['x/a.png', 'y/b.png']);
    // Same prefix string but different folder names must not be cut mid-name.
    expect(stripCommonRoot(['data1/x/a.png', 'data2/x/b.png'])).toEqual(['data1/x/a.png', 'data2/x/b.png']);
    expect(stripCommonRoot([])).toEqual([]);
  });

  it('normalises separators', () => {
    expect(stripCommonRoot(['root\\a\\x.png', '/root/b/y.png'])).toEqual(['a/x.png', 'b/y.png']);
  });
});

describe('countLabels', () => {
  it('counts values per key', () => {
    const items: { labels: Labels }[] = [
      { labels: { class: 'dog', domain: 'photo' } },
      { labels: { class: 'dog', domain: 'art' } },
      { labels: { class: 'cat' } },
      { labels: {} },
    ];
    expect(countLabels(items)).toEqual({ class: { dog: 2, cat: 1 }, domain: { photo: 1, art: 1 } });
    expect(countLabels([])).toEqual({});
  });

  it('treats odd keys as plain data', () => {
    const counts = countLabels([{ labels: { __proto__x: 'a', constructor: 'b' } }, { labels: { constructor: 'b' } }]);
    expect(counts.constructor).toEqual({ b: 2 });
    expect(counts.__proto__x).toEqual({ a: 1 });
  });
});
