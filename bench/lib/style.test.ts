import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './args';
import { parseSeeds, pctPm, readFolderFiles } from './style';

describe('parseSeeds', () => {
  it('--seeds N means 1…N; --seed-list names them; the fallback applies otherwise', () => {
    expect(parseSeeds(3, undefined, 2)).toEqual([1, 2, 3]);
    expect(parseSeeds(undefined, ['4', '7'], 2)).toEqual([4, 7]);
    expect(parseSeeds(undefined, undefined, 2)).toEqual([1, 2]);
  });
  it('refuses both at once, repeats, non-integers and zero', () => {
    expect(() => parseSeeds(2, ['1'], 2)).toThrow(UsageError);
    expect(() => parseSeeds(undefined, ['1', '1'], 2)).toThrow('repeated');
    expect(() => parseSeeds(undefined, ['x'], 2)).toThrow('non-negative integers');
    expect(() => parseSeeds(0, undefined, 2)).toThrow('at least 1');
  });
});

describe('readFolderFiles', () => {
  it('lists every file with the folder name as the shared root, sorted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'style-bench-'));
    const root = join(dir, 'pacs');
    mkdirSync(join(root, 'photo', 'dog'), { recursive: true });
    writeFileSync(join(root, 'photo', 'dog', 'b.jpg'), 'bb');
    writeFileSync(join(root, 'photo', 'dog', 'a.jpg'), 'a');
    writeFileSync(join(root, 'README.md'), 'r');
    const files = readFolderFiles(root);
    expect(files.map((f) => f.path)).toEqual(['pacs/README.md', 'pacs/photo/dog/a.jpg', 'pacs/photo/dog/b.jpg']);
    expect(await files[2].blob.text()).toBe('bb');
    expect(() => readFolderFiles(join(dir, 'missing'))).toThrow('is not a folder');
  });
});

describe('pctPm', () => {
  it('formats mean ± std in percent', () => {
    expect(pctPm(0.2346, 0.0123)).toBe('23.5 ± 1.2 %');
  });
});
