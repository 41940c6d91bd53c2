import { PlaceholderPanel } from '../../ui/PlaceholderPanel';

/** Panel for thesis chapter 6 (Camera bias). */
export default function CameraPanel() {
  return <PlaceholderPanel id="camera" title="Camera bias" />;
}
