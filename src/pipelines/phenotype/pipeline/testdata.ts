/** Test fixture for the analysis: profiles with known phenotypes, wells and MoAs. */
import { Rng } from '../../../core/rng/rng';

/** 3 phenotypes × 2 compounds × 4 wells × 4 sites, with well-level offsets; 96 profiles in 20-D. */
export function threePhenotypes(): { data: Float64Array; metadata: Record<string, string>[]; d: number } {
  // 3 phenotypes × 2 compounds × 2 concentrations... each compound in 4 wells of 4 sites.
  const rng = new Rng(7);
  const d = 20;
  const centres = [0, 1, 2].map(() => Array.from({ length: d }, () => rng.normal(0, 10)));
  const rows: number[] = [];
  const metadata: Record<string, string>[] = [];
  for (let p = 0; p < 3; p++) {
    for (let c = 0; c < 2; c++) {
      for (let w = 0; w < 4; w++) {
        const wellOffset = Array.from({ length: d }, () => rng.normal(0, 0.6));
        for (let s = 0; s < 4; s++) {
          for (let j = 0; j < d; j++) rows.push(centres[p][j] + wellOffset[j] + rng.normal(0, 0.3));
          metadata.push({
            Metadata_Plate: 'P1', Metadata_Well: `${'ABC'[p]}${c}${w}`, Metadata_Compound: `cpd${p}${c}`,
            Metadata_Concentration: String(w % 2), Metadata_MoA: `moa${p}`,
          });
        }
      }
    }
  }
  return { data: Float64Array.from(rows), metadata, d };
}
