import { PlaceholderPanel } from '../../ui/PlaceholderPanel';

/** Panel for thesis chapter 5 (Phenotypic profiling). */
export default function PhenotypePanel() {
  return <PlaceholderPanel id="phenotype" title="Phenotypic profiling" />;
}
