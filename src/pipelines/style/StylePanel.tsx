/** Panel for thesis chapter 4 (Style augmentation). */
export default function StylePanel() {
  return (
    <section className="view" data-testid="view-style">
      <h2>Style augmentation</h2>
      <p className="muted">This pipeline's tools are not built yet. The Datasets, Jobs and Models views already work and will feed it.</p>
    </section>
  );
}
