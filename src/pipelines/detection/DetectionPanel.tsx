/** Panel for thesis chapter 3 (Detection & counting without NMS). */
export default function DetectionPanel() {
  return (
    <section className="view" data-testid="view-detection">
      <h2>Detection & counting without NMS</h2>
      <p className="muted">This pipeline's tools are not built yet. The Datasets, Jobs and Models views already work and will feed it.</p>
    </section>
  );
}
