/**
 * Knee detection by the Kneedle method (Satopää, Albrecht, Irwin & Raghavan, 2011), used to pick
 * the number of clusters from the intra-cluster variance curve (thesis Fig. 5.3; capped at 70).
 *
 * The curve is normalised to the unit square and transformed so that its knee becomes a local
 * maximum of the difference curve D = y' − x (for a decreasing convex curve y' = 1 − y_n; for an
 * increasing concave one y' = y_n). A local maximum of D is accepted as a knee once D falls below
 * the threshold T = D_max − S · mean(Δx_n) before the next local maximum (S = sensitivity,
 * default 1). The first knee found is returned (offline, "first knee" mode).
 */

export type KneeCurve = 'convex' | 'concave';
export type KneeDirection = 'decreasing' | 'increasing';

export interface KneedleOptions {
  /** Shape of the curve (default 'convex'). */
  curve?: KneeCurve;
  /** Direction of the curve (default 'decreasing'). */
  direction?: KneeDirection;
  /** Sensitivity S ≥ 0 (default 1): larger values demand a more pronounced knee. */
  sensitivity?: number;
}

export interface KneedleResult {
  /** x at the knee, or null if none was detected. */
  knee: number | null;
  /** Index of the knee in the (x-sorted) input, or -1. */
  index: number;
  /** The difference curve D (for plotting), in the order of the sorted x. */
  difference: number[];
  /** Normalised x (for plotting). */
  xNormalized: number[];
}

/** Finds the knee of the curve (x, y). x need not be sorted; it must have distinct values. */
export function kneedle(x: readonly number[], y: readonly number[], options: KneedleOptions = {}): KneedleResult {
  if (x.length !== y.length) throw new Error(`kneedle: ${x.length} x values but ${y.length} y values`);
  const curve = options.curve ?? 'convex';
  const direction = options.direction ?? 'decreasing';
  const S = options.sensitivity ?? 1;
  const m = x.length;
  const none: KneedleResult = { knee: null, index: -1, difference: [], xNormalized: [] };
  if (m < 3) return none;

  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const xs = order.map((i) => x[i]);
  const ys = order.map((i) => y[i]);
  const xMin = xs[0], xMax = xs[m - 1];
  let yMin = Infinity, yMax = -Infinity;
  for (const v of ys) {
    yMin = Math.min(yMin, v);
    yMax = Math.max(yMax, v);
  }
  if (!(xMax > xMin) || !(yMax > yMin)) return none;
  const xn = xs.map((v) => (v - xMin) / (xMax - xMin));
  const yn = ys.map((v) => (v - yMin) / (yMax - yMin));

  // Map every shape onto "increasing concave" (knee = maximum of y' − x'), keeping the x order.
  // Convex shapes mirror about a horizontal line; increasing-convex and decreasing-concave
  // additionally mirror x, so the difference is taken against 1 − x.
  const flipY = curve === 'convex';
  const flipX = (curve === 'convex') === (direction === 'increasing');
  const difference = yn.map((v, i) => (flipY ? 1 - v : v) - (flipX ? 1 - xn[i] : xn[i]));
  // With flipped x, the knee search runs from the far end of the curve.
  const seq = flipX ? [...difference].reverse() : difference;
  const xSeq = flipX ? xn.map((v) => 1 - v).reverse() : xn;

  let meanStep = 0;
  for (let i = 1; i < m; i++) meanStep += xSeq[i] - xSeq[i - 1];
  meanStep /= m - 1;

  let found = -1;
  let candidate = -1;
  let threshold = -Infinity;
  for (let i = 1; i < m; i++) {
    const isLocalMax = i < m - 1 && seq[i] > seq[i - 1] && seq[i] >= seq[i + 1];
    if (isLocalMax) {
      candidate = i;
      threshold = seq[i] - S * meanStep;
      continue;
    }
    if (candidate >= 0 && seq[i] < threshold) {
      found = candidate;
      break;
    }
  }
  if (found < 0) return { knee: null, index: -1, difference, xNormalized: xn };
  const sortedIndex = flipX ? m - 1 - found : found;
  return { knee: xs[sortedIndex], index: sortedIndex, difference, xNormalized: xn };
}

export interface AutoKOptions {
  /** Largest k considered and returned (default 70, as in the thesis). */
  cap?: number;
  sensitivity?: number;
}

export interface AutoKResult {
  k: number;
  /** True when the k came from a detected knee, false when no knee was found (k = cap). */
  fromKnee: boolean;
}

/**
 * Chooses k from a decreasing convex intra-cluster variance curve by Kneedle over the points
 * with k ≤ cap. Without a detectable knee the returns are not diminishing within the cap, so the
 * largest evaluated k ≤ cap is returned.
 */
export function autoK(ks: readonly number[], variance: readonly number[], options: AutoKOptions = {}): AutoKResult {
  const cap = options.cap ?? 70;
  const keep = ks.map((k, i) => [k, variance[i]] as const).filter(([k]) => k <= cap);
  if (keep.length === 0) throw new Error(`autoK: no k ≤ ${cap} in the curve`);
  const res = kneedle(
    keep.map(([k]) => k),
    keep.map(([, v]) => v),
    { curve: 'convex', direction: 'decreasing', sensitivity: options.sensitivity },
  );
  if (res.knee !== null) return { k: Math.min(res.knee, cap), fromKnee: true };
  return { k: Math.max(...keep.map(([k]) => k)), fromKnee: false };
}
