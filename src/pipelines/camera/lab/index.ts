/** Camera-bias lab core (thesis ch. 6): two-label datasets, bias audit, splits, thresholding, crop heatmaps. */
export * from './labels';
export * from './audit';
export * from './splits';
export * from './threshold';
export * from './cropHeatmap';
