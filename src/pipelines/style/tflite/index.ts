/** TFLite → tfjs port used for the Magenta arbitrary style transfer networks (thesis §4.3). */
export { loadTfliteGraph, TfliteGraph } from './graph';
export { fakeQuantize } from './int8';
export type { ActivationMode, ExecuteOptions, GraphTensorSpec, LoadOptions } from './graph';
export { toFloatModel, writeTflite } from './writer';
export type { WriteOptions } from './writer';
export { parseTflite } from './parse';
export type { ParsedModel, TensorInfo, OperatorInfo, QuantInfo } from './parse';
export { SUPPORTED_OPERATORS } from './ops';
export { StyleNetwork, EMBEDDING_SIZE } from './styleNetwork';
export type { StyleNetworkFiles } from './styleNetwork';
