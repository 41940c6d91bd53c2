import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeTiff } from '../../../core/data/tiff';
import { groupVariance } from './validation';
import { kmeans } from './kmeans';
import { matrix } from './matrix';
import { pca } from './pca';

const ROOT = '/work/shared/data/bbbc021-cells';
const present = existsSync(`${ROOT}/labels.csv`);
if (!present) console.log(`bbbc021 analysis test skipped because ${ROOT} is not present`);

describe.skipIf(!present)('analysis on real BBBC021 crops (skipped when /work/shared/data/bbbc021-cells is absent)', () => {
  it('PCA → k-means (k = 2) on simple intensity features separates DMSO from protein-synthesis inhibitors', async () => {
    const rows = readFileSync(`${ROOT}/labels.csv`, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    // Columns: file, class, source_file, plate, well, replicate, compound, concentration.
    // Per-channel mean and standard deviation of log(1 + intensity): 6 features per crop.
    const feats: number[] = [];
    for (const r of rows) {
      const img = await decodeTiff(new Uint8Array(readFileSync(`${ROOT}/${r[0]}`)));
      const px = img.width * img.height, C = img.channels;
      for (let c = 0; c < C; c++) {
        let s = 0, s2 = 0;
        for (let p = 0; p < px; p++) {
          const v = Math.log1p(img.data[p * C + c]);
          s += v;
          s2 += v * v;
        }
        const m = s / px;
        feats.push(m, Math.sqrt(Math.max(0, s2 / px - m * m)));
      }
    }
    const n = rows.length;
    const x = matrix(Float64Array.from(feats), n, feats.length / n);
    const model = pca(x, { nComponents: 3, scale: true });
    expect(model.cumulativeVarianceRatio[2]).toBeGreaterThan(0.5);
    expect(model.cumulativeVarianceRatio[2]).toBeLessThanOrEqual(1 + 1e-12);
    const z = model.transform(x);
    const km = kmeans(z, 2, { seed: 1 });
    let agree = 0;
    for (let i = 0; i < n; i++) if ((km.labels[i] === 0) === (rows[i][1] === 'dmso')) agree++;
    // Seeded and deterministic: 80.7% agreement with the class (50% is chance).
    expect(Math.max(agree, n - agree) / n).toBeGreaterThan(0.7);
    // Crops from one well resemble each other more than the dataset as a whole (measured 70.6%).
    const well = groupVariance(z, rows.map((r) => `${r[3]}/${r[4]}`));
    expect(well.percent).toBeGreaterThan(0);
    expect(well.percent).toBeLessThan(90);
  });
});
