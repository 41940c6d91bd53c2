/** Panel for thesis chapter 6 (Camera bias). */
export default function CameraPanel() {
  return (
    <section className="view" data-testid="view-camera">
      <h2>Camera bias</h2>
      <p className="muted">This pipeline's tools are not built yet. The Datasets, Jobs and Models views already work and will feed it.</p>
    </section>
  );
}
