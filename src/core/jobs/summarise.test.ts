import { describe, expect, it } from 'vitest';
import { summariseParams, summariseResult } from './summarise';

describe('summariseParams', () => {
  it('replaces files and bytes by their sizes and keeps the settings', () => {
    const params = {
      files: [{ path: 'a/b.png', blob: new Blob([new Uint8Array(10)], { type: 'image/png' }) }],
      models: { predictor: new Uint8Array(1234), weights: new ArrayBuffer(7) },
      seeds: [1, 2, 3],
      arms: ['none', 'style'],
      alpha: [0, 1],
      epochs: 5,
      name: 'x',
      nothing: null,
    };
    expect(summariseParams(params)).toEqual({
      files: [{ path: 'a/b.png', blob: { blob: 'image/png', bytes: 10 } }],
      models: { predictor: { bytes: 1234 }, weights: { bytes: 7 } },
      seeds: [1, 2, 3],
      arms: ['none', 'style'],
      alpha: [0, 1],
      epochs: 5,
      name: 'x',
      nothing: null,
    });
  });

  it('shortens long lists to 20 items and a count', () => {
    const out = summariseParams(Array.from({ length: 25 }, (_, i) => i)) as unknown[];
    expect(out).toHaveLength(21);
    expect(out[19]).toBe(19);
    expect(out[20]).toBe('… 5 more (25 in all)');
  });

  it('keeps small results and replaces large or unserialisable ones by a note', () => {
    expect(summariseResult({ a: 1 })).toEqual({ a: 1 });
    expect(summariseResult({ big: 'x'.repeat(200_000) })).toEqual({ note: 'result too large to keep in the job record' });
    expect(summariseResult({ n: 1n })).toEqual({ note: 'result not serialisable' });
  });
});
