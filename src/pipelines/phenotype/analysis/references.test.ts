/**
 * Agreement with maintained reference libraries: PCA against ml-pca (SVD-based), k-means against
 * ml-kmeans on well-separated blobs (adjusted Rand index against the truth and each other).
 */
import { PCA } from 'ml-pca';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { adjustedRandIndex } from './agreement';
import { kmeans } from './kmeans';
import { matrix } from './matrix';
import { pca } from './pca';

describe('pca vs ml-pca', () => {
  it('gives the same explained variance ratios, axes (up to sign) and scores on correlated random data', () => {
    const rng = new Rng(11);
    const n = 300, d = 12;
    // Correlated data: x = z · A with a random mixing matrix.
    const A = Array.from({ length: d * d }, () => rng.normal(0, 1));
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: d }, (_, j) => rng.normal(0, 1 + j));
      rows.push(Array.from({ length: d }, (_, c) => z.reduce((s, v, j) => s + v * A[j * d + c], 0)));
    }
    const ours = pca(matrix(Float64Array.from(rows.flat()), n, d), { nComponents: 6 });
    const ref = new PCA(rows, { center: true, scale: false });
    const refRatio = ref.getExplainedVariance();
    for (let k = 0; k < 6; k++) expect(ours.explainedVarianceRatio[k]).toBeCloseTo(refRatio[k], 8);
    const V = ref.getEigenvectors(); // d × d, columns are axes
    const refScores = ref.predict(rows, { nComponents: 6 });
    const scores = ours.transform(matrix(Float64Array.from(rows.flat()), n, d));
    for (let k = 0; k < 6; k++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += ours.components[k * d + j] * V.get(j, k);
      expect(Math.abs(dot)).toBeCloseTo(1, 8);
      const sign = Math.sign(dot);
      for (let i = 0; i < n; i += 37) expect(scores.data[i * 6 + k]).toBeCloseTo(sign * refScores.get(i, k), 6);
    }
  });
});

describe('kmeans vs ml-kmeans', () => {
  it('both recover 6 well-separated blobs in 10-D (ARI ≥ 0.99) and agree with each other', () => {
    const rng = new Rng(5);
    const k = 6, per = 150, d = 10;
    const rows: number[][] = [];
    const truth: number[] = [];
    const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => rng.normal(0, 8)));
    for (let c = 0; c < k; c++) for (let i = 0; i < per; i++) {
      rows.push(centres[c].map((m) => m + rng.normal(0, 1)));
      truth.push(c);
    }
    const ours = kmeans(matrix(Float64Array.from(rows.flat()), rows.length, d), k, { seed: 3, nInit: 4 });
    const ref = mlKmeans(rows, k, { seed: 3, initialization: 'kmeans++' });
    expect(adjustedRandIndex(ours.labels, truth)).toBeGreaterThanOrEqual(0.99);
    expect(adjustedRandIndex(ref.clusters, truth)).toBeGreaterThanOrEqual(0.99);
    expect(adjustedRandIndex(ours.labels, ref.clusters)).toBeGreaterThanOrEqual(0.99);
  });
});
