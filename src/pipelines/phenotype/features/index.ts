export * from './preprocess';
export * from './backbones';
export * from './extractor';
export * from './vgg16';
export * from './pipeline';
