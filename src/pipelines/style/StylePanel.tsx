/** Panel for thesis chapter 4: style augmentation (live preview, exports, domain-shift experiments). */
import ExperimentSection from './ui/ExperimentSection';
import { AugmentExportSection } from './ui/AugmentExportSection';
import { PreviewSection } from './ui/PreviewSection';

export default function StylePanel() {
  return (
    <section className="view" data-testid="view-style">
      <h2>Style augmentation</h2>
      <p className="muted">
        Style augmentation (thesis ch. 4) restyles training images with a style-transfer network whose style embedding is random: z = α·N(μ, Σ) + (1 − α)·P(c)
        (Eq 4.8), with μ and Σ the mean and covariance of the embeddings of a set of paintings (Eq 4.9–4.10). Shape is kept; texture, colour and contrast change.
        Drop your own images or use the demo scenes, and watch the augmentations change as you move the controls.
      </p>
      <PreviewSection />
      <AugmentExportSection />
      <ExperimentSection />
    </section>
  );
}
