import { describe, expect, it } from 'vitest';
import { centerIou, decodeDetections, iou, toCenterBox, toCornerBox } from './boxes';

describe('box geometry', () => {
  it('computes IoU by hand', () => {
    expect(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 5, y1: 0, x2: 15, y2: 10 })).toBeCloseTo(50 / 150, 12);
    expect(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 10, y1: 0, x2: 20, y2: 10 })).toBe(0); // touching edges
    expect(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 0, y1: 0, x2: 10, y2: 6 })).toBe(0.6);
    expect(iou({ x1: 5, y1: 5, x2: 4, y2: 6 }, { x1: 0, y1: 0, x2: 10, y2: 10 })).toBe(0); // inverted box is empty
  });

  it('round-trips corner and normalised centre boxes', () => {
    const b = { x1: 10, y1: 20, x2: 30, y2: 60 };
    const c = toCenterBox(b, 100, 200);
    expect(c).toEqual({ cx: 0.2, cy: 0.2, w: 0.2, h: 0.2 });
    expect(toCornerBox(c, 100, 200)).toEqual(b);
    expect(centerIou(c, c)).toBeCloseTo(1, 12);
  });

  it('decodes flat network output, collapsing negative sizes and filtering by score', () => {
    const d = decodeDetections([0.5, 0.5, 0.5, 0.25, 0.1, 0.1, -0.2, 0.1], [0.9, 0.4], 64, 64, 0.5);
    expect(d.scores).toEqual([0.9]);
    expect(d.boxes).toEqual([{ x1: 16, y1: 24, x2: 48, y2: 40 }]);
    expect(toCornerBox({ cx: 0.1, cy: 0.1, w: -0.2, h: 0.1 }, 10, 10)).toEqual({ x1: 1, y1: 0.5, x2: 1, y2: 1.5 });
  });
});
