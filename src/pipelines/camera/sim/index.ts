/**
 * Synthetic batch-code + camera simulator for the camera-bias pipeline (thesis ch. 6), standing in
 * for the thesis's private shampoo-bottle photos. Pure TypeScript, seeded, no DOM: runs in Node and
 * in Web Workers.
 *
 * - scene.ts: the object (textured plastic, seam, two-line 5×7 dot-matrix code) as linear
 *   radiance; the two manufacturers' printers (`MANUFACTURER_PRINTERS`) differ only in dot
 *   diameter, placement jitter, ink spread and bleed, dot shape and ink darkness.
 * - camera.ts: five phone pipelines (`CAMERAS`, cam-A…cam-E = iPhone, Huawei, Samsung, Redmi,
 *   Vivo): PRNU, shot/read noise, Bayer layout, demosaicing, denoising, colour (sensor response,
 *   white balance, matrix), tone curve, sharpening, JPEG. Each stage can be switched to a common
 *   neutral setting with `TraitSwitches` to test which trait a model exploits.
 * - jpeg.ts: pixel-domain baseline-JPEG simulation (checked against jpeg-js) and jpeg-js wrappers.
 * - generate.ts: `renderSample` (one deterministic photo) and `generateDataset` (every
 *   manufacturer × camera cell, `m1/cam-A/000123.png` paths for the 'class/camera' template).
 *
 * Speed (Node, one core): see benchSim.ts.
 */
export { CHAR_ADVANCE, FONT_5X7, FONT_CHARS, GLYPH_COLS, GLYPH_ROWS, textDots } from './font';
export {
  BASE_PITCH, drawScene, edgeSoftnessPx, generateCode, getPrinter, LINE_ADVANCE, MANUFACTURER_PRINTERS, MAX_LINE_CHARS, printDots,
  renderInk, renderScene, renderShading,
  type ManufacturerId, type PrintedDot, type PrinterProfile, type SceneRender, type SceneSpec, type Vec3,
} from './scene';
export {
  ALL_TRAITS_OFF, ALL_TRAITS_ON, applyCamera, applyColourMatrix, applyPrnu, applySensorNoise, applyTone, CAMERAS, cameraDisplay,
  cfaColours, colourFromSensor, DEFAULT_SENSOR_SEED, demosaic, denoise, effectiveProfile, gaussianBlurPlane, getCamera, invert3,
  jpegRoundTrip, matMul3, mosaic, NEUTRAL_CAMERA, padReflect, prnuPattern, quantise, resolveTraits, saturationMatrix, sharpen,
  srgbDecode, srgbEncode, toneCurve, TRAITS, whiteBalanceMosaic,
  type CameraProfile, type CameraRunOptions, type CfaPattern, type ColourParams, type DemosaicMethod, type DenoiseParams,
  type JpegCodec, type JpegParams, type Mat3, type NoiseParams, type PrnuParams, type PrnuPattern, type SharpenParams,
  type ToneCurveKind, type ToneParams, type Trait, type TraitSwitches,
} from './camera';
export {
  decodeJpeg, encodeJpeg, IJG_CHROMA_TABLE, IJG_LUMA_TABLE, jpegSamples, scaledTable, simulateJpeg, subsampleChroma,
  type JpegSamples, type JpegSimOptions,
} from './jpeg';
export {
  DATASET_TEMPLATE, datasetCount, datasetPlan, DEFAULT_SIZE, encodeSamplePng, generateDataset, renderSample, sampleScene,
  samplePath, sampleStreams,
  type DatasetOptions, type DatasetSample, type Sample, type SampleMeta, type SampleOptions,
} from './generate';
