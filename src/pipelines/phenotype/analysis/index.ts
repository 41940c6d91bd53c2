export * from './matrix';
export * from './eigen';
export * from './pca';
export * from './kmeans';
export * from './kneedle';
export * from './validation';
export * from './agreement';
