/**
 * Panel for thesis chapter 5: phenotypic profiling of screening images with generic pretrained CNN
 * features. Data (images + plate metadata, or imported profiles) → features → analysis (PCA,
 * t-SNE, k-means with the knee of the variance curve, validation metrics) → explorer.
 */
import { useEffect } from 'react';
import { AnalysisSection } from './ui/AnalysisSection';
import { DataSection } from './ui/DataSection';
import { Explorer } from './ui/Explorer';
import { FeaturesSection } from './ui/FeaturesSection';
import { usePhenotype } from './ui/phenotypeStore';

export default function PhenotypePanel() {
  const { profile, restore } = usePhenotype();
  useEffect(() => {
    void restore();
  }, [restore]);
  return (
    <section className="view" data-testid="view-phenotype">
      <h2>Phenotypic profiling</h2>
      <p className="muted">
        Generic deep features for high-content screens (thesis ch. 5): each image becomes the spatial means of the pre-activation maps of a few early convolutional
        layers of an ImageNet CNN, at full resolution. PCA (10 components), t-SNE and k-means then map and group the phenotypes; the number of clusters is the knee of
        the intra-cluster variance curve (capped at 70). Mark clusters as interesting to filter compounds. Start with the demo plate if you have no images at hand.
      </p>
      <div className="card">
        <h3>1. Images and plate metadata</h3>
        <DataSection />
      </div>
      <div className="card">
        <h3>2. Features</h3>
        <FeaturesSection />
      </div>
      {profile && (
        <>
          <div className="card" data-testid="phenotype-profile">
            <h3>3. Analysis</h3>
            <p className="small">
              Profiles: <strong>{profile.name}</strong> — {profile.n} rows × {profile.d} features; metadata columns: {profile.columns.join(', ') || 'none'}.
            </p>
            {profile.notes.length > 0 && (
              <div className="notice warning">
                <ul>{profile.notes.map((n) => <li key={n}>{n}</li>)}</ul>
              </div>
            )}
            <AnalysisSection />
          </div>
          <div className="card">
            <h3>4. Explorer</h3>
            <Explorer />
          </div>
        </>
      )}
    </section>
  );
}
