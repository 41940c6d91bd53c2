import { PlaceholderPanel } from '../../ui/PlaceholderPanel';

/** Panel for thesis chapter 4 (Style augmentation). */
export default function StylePanel() {
  return <PlaceholderPanel id="style" title="Style augmentation" />;
}
