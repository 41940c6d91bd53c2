/** A pipeline panel whose tools are not built yet (keeps the shell's navigation complete). */
export function PlaceholderPanel({ id, title }: { id: string; title: string }) {
  return (
    <section className="view" data-testid={`view-${id}`}>
      <h2>{title}</h2>
      <p className="muted">This pipeline's tools are not built yet. The Datasets, Jobs and Models views already work and will feed it.</p>
    </section>
  );
}
