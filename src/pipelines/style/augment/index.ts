/** Traditional augmentations (thesis §4.4.1) and RandConv as tfjs tensor ops; see pipeline.ts. */
export * from './types';
export { augmentPipeline, executeRecord, traditionalAugmentSpec, depthSafeAugmentSpec, transformMatrix, type AugmentPipeline } from './pipeline';
export { sampleRecord, sampleTransform, validateSpec, symmetricRange, factorRange } from './sample';
export { warpAffine, resolveWarpImpl, flipMatrix, rotationMatrix, zoomMatrix, shearMatrix, matMul3, IDENTITY, type Mat3, type WarpOptions } from './warp';
export { grayscale, adjustBrightness, adjustContrast, adjustHueSaturation, rgbToHsv, hsvToRgb, LUMA } from './color';
export { eraseRects, sampleEraseRect, eraseNoise, ZHONG_AREA, ZHONG_ASPECT, type EraseRect, type EraseFill } from './erase';
export { randConv, randConvWeights, heSigma, RANDCONV_KERNEL_SIZES, type RandConvParams } from './randconv';
export { selectImages } from './select';
