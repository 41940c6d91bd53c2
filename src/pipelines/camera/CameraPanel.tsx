/**
 * Panel for thesis chapter 6: camera bias. Data (simulated batch codes with switchable camera
 * traits, or your own class/camera dataset) → bias audit → split builder → the thesis experiments.
 */
import { DataAuditSection } from './ui/DataAuditSection';
import { ExperimentsSection } from './ui/ExperimentsSection';
import { SplitSection } from './ui/SplitSection';

export default function CameraPanel() {
  return (
    <section className="view" data-testid="view-camera">
      <h2>Camera bias</h2>
      <p className="muted">
        When every image of a class comes from certain cameras, a classifier can score well by recognising the camera instead of the object (thesis ch. 6). The
        simulator prints two-line dot-matrix batch codes from two manufacturers whose printers differ only subtly, photographed by five virtual cameras with their
        own sensor noise, PRNU, demosaicing, denoising, sharpening, colour, tone curve and JPEG; switch traits off to see which one a CNN exploits. Or bring a
        dataset labelled with class and camera (folders class/camera/…, a CSV manifest, or EXIF make/model).
      </p>
      <div className="card">
        <h3>1. Data and bias audit</h3>
        <DataAuditSection />
      </div>
      <div className="card">
        <h3>2. Splits</h3>
        <SplitSection />
      </div>
      <div className="card">
        <h3>3. Experiments</h3>
        <ExperimentsSection />
      </div>
    </section>
  );
}
