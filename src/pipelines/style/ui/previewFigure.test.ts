import { describe, expect, it } from 'vitest';
import { figureLayout, settingsLine, tileCaption, wrapText } from './previewFigure';

describe('preview figure', () => {
  it('captions say whether a copy was stylised, with which α, and which traditional transforms fired', () => {
    expect(tileCaption({ copy: -1, record: null, traditional: null })).toBe('original');
    expect(tileCaption({ copy: 0, record: { index: 0, stylised: true, alpha: 0.456, z: [] }, traditional: null })).toBe('α 0.46');
    expect(tileCaption({ copy: 1, record: { index: 1, stylised: false, alpha: 0, z: null }, traditional: [{ op: 'flip', t: 0 }] as never })).toBe('not stylised + flip');
  });

  it('enlarges small tiles by an integer factor and sizes the grid from the largest tile', () => {
    // 64×36 and 48×64 tiles: cells 64×64 enlarged 2× to 128×128; 3 rows × (1 + 2) columns.
    const L = figureLayout([{ width: 64, height: 36 }, { width: 48, height: 64 }], 3, 2, 2);
    expect(L.scale).toBe(2);
    expect(L.cell).toEqual({ width: 128, height: 128 });
    expect(L.width).toBe(8 + 110 + 3 * (128 + 8));
    expect(L.height).toBe(8 + 2 * 16 + 8 + 3 * (128 + 16 + 8));
    expect(figureLayout([{ width: 256, height: 200 }], 1, 1).scale).toBe(1);
  });

  it('wraps a title greedily at spaces', () => {
    const measure = (s: string) => s.length; // one unit per character
    expect(wrapText('aa bb cc dd', 5, measure)).toEqual(['aa bb', 'cc dd']);
    expect(wrapText('averyveryvery long', 4, measure)).toEqual(['averyveryvery', 'long']);
    expect(wrapText('', 4, measure)).toEqual([]);
  });

  it('the settings line names α, the ratio, the style source and the seed', () => {
    const line = settingsLine({ options: { ratio: 0.5, alpha: [0.2, 0.8], mode: 'fixed-mean', seed: 9 }, traditional: true }, null, null);
    expect(line).toBe('Style augmentation: α ~ U(0.2, 0.8), p(stylise) = 0.5, z = μ, + traditional, seed 9');
    expect(settingsLine({ options: { ratio: 1, alpha: 0.3, mode: 'random', seed: 1 }, traditional: false }, null, 'monet.jpg')).toContain('style from monet.jpg');
  });
});
