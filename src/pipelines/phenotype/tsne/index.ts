/** Plain-TypeScript t-SNE reference (affinities, gradients, stepper). */
export * from './affinities';
export * from './gradient';
export * from './tsne';
