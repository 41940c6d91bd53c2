/** The thesis's camera-bias experiments as one-click presets (filled in with the training code). */
export function ExperimentsSection() {
  return <p className="muted">Experiments appear here.</p>;
}
