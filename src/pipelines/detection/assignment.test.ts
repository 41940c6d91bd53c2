import { describe, expect, it } from 'vitest';
import { assignByMaxIou, assignDetectors, assignOneToOne, boxDistance } from './assignment';

const scale = { meanBoxWidth: 0.5, meanBoxHeight: 0.5 };
const flat = (...boxes: number[][]) => boxes.flat();

describe('detector assignment', () => {
  it('computes D of Eq 3.2 with sizes in mean-box units', () => {
    // Δcx = 0.1, Δw = 0.1 → 0.01 + (0.1/0.5)² = 0.05
    expect(boxDistance({ cx: 0.6, cy: 0.5, w: 0.3, h: 0.2 }, { cx: 0.5, cy: 0.5, w: 0.2, h: 0.2 }, scale)).toBeCloseTo(0.05, 12);
  });

  it('lets confidence choose under R = C/D and distance alone under R = 1/D', () => {
    const predictions = { boxes: flat([0.6, 0.5, 0.3, 0.2], [0.52, 0.5, 0.2, 0.2]), confidences: [0.9, 0.005] };
    const gt = [{ cx: 0.5, cy: 0.5, w: 0.2, h: 0.2 }];
    // D = [0.05, 0.0004]; C/D = [18, 12.5] → detector 0; 1/D → detector 1.
    const r = assignDetectors('responsibility', predictions, gt, { scale });
    expect(Array.from(r.detectors)).toEqual([0]);
    expect(Array.from(r.targetConfidence)).toEqual([1, 0]);
    const inv = assignDetectors('inverse-distance', predictions, gt, { scale });
    expect(Array.from(inv.detectors)).toEqual([1]);
    expect(Array.from(inv.targetConfidence)).toEqual([0, 1]);
  });

  it('lets two objects claim the same detector under responsibility but not under one-to-one matching', () => {
    const predictions = { boxes: flat([0.35, 0.5, 0.1, 0.1], [0.28, 0.5, 0.1, 0.1], [0.9, 0.5, 0.1, 0.1]), confidences: [0.9, 0.1, 0.1] };
    const gt = [{ cx: 0.3, cy: 0.5, w: 0.1, h: 0.1 }, { cx: 0.4, cy: 0.5, w: 0.1, h: 0.1 }];
    const r = assignDetectors('responsibility', predictions, gt, { scale });
    expect(Array.from(r.detectors)).toEqual([0, 0]);
    expect(Array.from(r.targetConfidence)).toEqual([1, 0, 0]);
    // Costs D + (1 − C): {gt0→1, gt1→0} = 0.9004 + 0.1025 beats {gt0→0, gt1→1} = 0.1025 + 0.9144.
    const o = assignOneToOne(predictions, gt, { scale });
    expect(Array.from(o.detectors)).toEqual([1, 0]);
    expect(Array.from(o.groundTruth)).toEqual([0, 1]);
    expect(Array.from(o.targetConfidence)).toEqual([1, 1, 0]);
  });

  it('max-IoU marks the best box and every box above the positive IoU, falling back to distance', () => {
    const gt = [{ cx: 0.5, cy: 0.5, w: 0.2, h: 0.2 }, { cx: 0.1, cy: 0.1, w: 0.02, h: 0.02 }];
    const predictions = {
      boxes: flat(
        [0.5, 0.5, 0.2, 0.18], // IoU 0.9 with gt0: its max-IoU box
        [0.5, 0.51, 0.2, 0.18], // IoU 0.8: extra positive at 0.7
        [0.55, 0.5, 0.2, 0.2], // IoU 0.6: negative
        [0.9, 0.9, 0.1, 0.1], // overlaps nothing
        [0.2, 0.2, 0.02, 0.02], // overlaps nothing but is nearest to gt1
      ),
      confidences: [0.1, 0.1, 0.9, 0.9, 0.1],
    };
    const a = assignByMaxIou(predictions, gt, { scale });
    expect(Array.from(a.detectors)).toEqual([0, 4, 1]);
    expect(Array.from(a.groundTruth)).toEqual([0, 1, 0]);
    expect(Array.from(a.targetConfidence)).toEqual([1, 1, 0, 0, 1]);
    expect(Array.from(assignByMaxIou(predictions, gt, { scale, positiveIou: 0.95 }).detectors)).toEqual([0, 4]);
  });

  it('assigns nothing when there is no ground truth', () => {
    for (const kind of ['responsibility', 'inverse-distance', 'max-iou', 'one-to-one'] as const) {
      const a = assignDetectors(kind, { boxes: flat([0.5, 0.5, 0.1, 0.1]), confidences: [0.7] }, [], { scale });
      expect(a.detectors.length).toBe(0);
      expect(Array.from(a.targetConfidence)).toEqual([0]);
    }
  });
});
