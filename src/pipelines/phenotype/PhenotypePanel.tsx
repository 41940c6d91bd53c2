/** Panel for thesis chapter 5 (Phenotypic profiling). */
export default function PhenotypePanel() {
  return (
    <section className="view" data-testid="view-phenotype">
      <h2>Phenotypic profiling</h2>
      <p className="muted">This pipeline's tools are not built yet. The Datasets, Jobs and Models views already work and will feed it.</p>
    </section>
  );
}
