/**
 * Box geometry shared by the generator, losses, NMS and metrics.
 *
 * Two conventions, used consistently:
 * - `Box` (corners): x1 < x2, y1 < y2 in pixels, continuous coordinates where pixel (row r, col c)
 *   covers [c, c+1) × [r, r+1). A tight box around pixels c0..c1 is therefore x1 = c0, x2 = c1 + 1.
 * - `CenterBox`: centre x, centre y, width, height, normalised by the image width/height. This is
 *   the network's output format (thesis §3.3.1: "x, y, w, h are centre coordinates and width and
 *   height"), i.e. everything in [0, 1] for boxes inside the image.
 */

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface CenterBox {
  cx: number;
  cy: number;
  w: number;
  h: number;
}

/** Area of a corner box; inverted (negative-extent) boxes have zero area. */
export function boxArea(b: Box): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

/** Intersection over union of two corner boxes (0 when both are empty). */
export function iou(a: Box, b: Box): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Pixel corner box → normalised centre box (the model's target format). */
export function toCenterBox(b: Box, width: number, height: number): CenterBox {
  return {
    cx: (b.x1 + b.x2) / 2 / width,
    cy: (b.y1 + b.y2) / 2 / height,
    w: (b.x2 - b.x1) / width,
    h: (b.y2 - b.y1) / height,
  };
}

/** Normalised centre box → pixel corner box. Negative predicted sizes collapse to an empty box. */
export function toCornerBox(c: CenterBox, width: number, height: number): Box {
  const hw = (Math.max(0, c.w) * width) / 2;
  const hh = (Math.max(0, c.h) * height) / 2;
  const x = c.cx * width;
  const y = c.cy * height;
  return { x1: x - hw, y1: y - hh, x2: x + hw, y2: y + hh };
}

/** Reads box k from a flat [K*4] array of (cx, cy, w, h). */
export function centerBoxAt(flat: ArrayLike<number>, k: number): CenterBox {
  const o = 4 * k;
  return { cx: flat[o], cy: flat[o + 1], w: flat[o + 2], h: flat[o + 3] };
}

/** IoU of two normalised centre boxes (scale-free, so no image size is needed). */
export function centerIou(a: CenterBox, b: CenterBox): number {
  return iou(toCornerBox(a, 1, 1), toCornerBox(b, 1, 1));
}

export interface Detections {
  /** Pixel corner boxes. */
  boxes: Box[];
  /** Confidence per box, same order. */
  scores: number[];
}

/**
 * Network output for one image (flat [K*4] centre boxes and [K] confidences, as read from the
 * model's tensors) → pixel boxes with scores, keeping those with score > `minScore`.
 */
export function decodeDetections(
  boxes: ArrayLike<number>,
  confidences: ArrayLike<number>,
  width: number,
  height: number,
  minScore = -Infinity,
): Detections {
  const out: Detections = { boxes: [], scores: [] };
  for (let k = 0; k < confidences.length; k++) {
    if (!(confidences[k] > minScore)) continue;
    out.boxes.push(toCornerBox(centerBoxAt(boxes, k), width, height));
    out.scores.push(confidences[k]);
  }
  return out;
}
