/**
 * TFLite `enum BuiltinOperator : int32` (schema.fbs) by code, and the builtin options decoders for
 * the operators this port maps. Option field ids follow schema.fbs; `builtin_options_type` union ids
 * are checked before decoding so that a wrongly typed options table is an error, not garbage.
 */
import { Activation, MirrorPadMode, Padding, type OptionsTable } from './schema';

const NAMES = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTH_TO_SPACE', 'DEQUANTIZE',
  'EMBEDDING_LOOKUP', 'FLOOR', 'FULLY_CONNECTED', 'HASHTABLE_LOOKUP', 'L2_NORMALIZATION', 'L2_POOL_2D',
  'LOCAL_RESPONSE_NORMALIZATION', 'LOGISTIC', 'LSH_PROJECTION', 'LSTM', 'MAX_POOL_2D', 'MUL', 'RELU',
  'RELU_N1_TO_1', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RNN', 'SOFTMAX', 'SPACE_TO_DEPTH', 'SVDF', 'TANH',
  'CONCAT_EMBEDDINGS', 'SKIP_GRAM', 'CALL', 'CUSTOM', 'EMBEDDING_LOOKUP_SPARSE', 'PAD',
  'UNIDIRECTIONAL_SEQUENCE_RNN', 'GATHER', 'BATCH_TO_SPACE_ND', 'SPACE_TO_BATCH_ND', 'TRANSPOSE', 'MEAN', 'SUB',
  'DIV', 'SQUEEZE', 'UNIDIRECTIONAL_SEQUENCE_LSTM', 'STRIDED_SLICE', 'BIDIRECTIONAL_SEQUENCE_RNN', 'EXP',
  'TOPK_V2', 'SPLIT', 'LOG_SOFTMAX', 'DELEGATE', 'BIDIRECTIONAL_SEQUENCE_LSTM', 'CAST', 'PRELU', 'MAXIMUM',
  'ARG_MAX', 'MINIMUM', 'LESS', 'NEG', 'PADV2', 'GREATER', 'GREATER_EQUAL', 'LESS_EQUAL', 'SELECT', 'SLICE',
  'SIN', 'TRANSPOSE_CONV', 'SPARSE_TO_DENSE', 'TILE', 'EXPAND_DIMS', 'EQUAL', 'NOT_EQUAL', 'LOG', 'SUM', 'SQRT',
  'RSQRT', 'SHAPE', 'POW', 'ARG_MIN', 'FAKE_QUANT', 'REDUCE_PROD', 'REDUCE_MAX', 'PACK', 'LOGICAL_OR',
  'ONE_HOT', 'LOGICAL_AND', 'LOGICAL_NOT', 'UNPACK', 'REDUCE_MIN', 'FLOOR_DIV', 'REDUCE_ANY', 'SQUARE',
  'ZEROS_LIKE', 'FILL', 'FLOOR_MOD', 'RANGE', 'RESIZE_NEAREST_NEIGHBOR', 'LEAKY_RELU', 'SQUARED_DIFFERENCE',
  'MIRROR_PAD', 'ABS', 'SPLIT_V', 'UNIQUE', 'CEIL', 'REVERSE_V2', 'ADD_N', 'GATHER_ND', 'COS', 'WHERE', 'RANK',
  'ELU', 'REVERSE_SEQUENCE', 'MATRIX_DIAG', 'QUANTIZE', 'MATRIX_SET_DIAG', 'ROUND', 'HARD_SWISH', 'IF', 'WHILE',
  'NON_MAX_SUPPRESSION_V4', 'NON_MAX_SUPPRESSION_V5', 'SCATTER_ND', 'SELECT_V2', 'DENSIFY', 'SEGMENT_SUM',
  'BATCH_MATMUL', 'PLACEHOLDER_FOR_GREATER_OP_CODES', 'CUMSUM', 'CALL_ONCE', 'BROADCAST_TO', 'RFFT2D',
  'CONV_3D', 'IMAG', 'REAL', 'COMPLEX_ABS', 'HASHTABLE', 'HASHTABLE_FIND', 'HASHTABLE_IMPORT',
  'HASHTABLE_SIZE', 'REDUCE_ALL', 'CONV_3D_TRANSPOSE', 'VAR_HANDLE', 'READ_VARIABLE', 'ASSIGN_VARIABLE',
  'BROADCAST_ARGS', 'RANDOM_STANDARD_NORMAL', 'BUCKETIZE', 'RANDOM_UNIFORM', 'MULTINOMIAL', 'GELU',
  'DYNAMIC_UPDATE_SLICE', 'RELU_0_TO_1', 'UNSORTED_SEGMENT_PROD', 'UNSORTED_SEGMENT_MAX',
  'UNSORTED_SEGMENT_SUM', 'ATAN2', 'UNSORTED_SEGMENT_MIN', 'SIGN',
] as const;

/** The schema name of a builtin operator code, e.g. 3 → "CONV_2D". */
export function builtinName(code: number): string {
  return NAMES[code] ?? `BuiltinOperator(${code})`;
}

/** The builtin code of a schema name (for tests and synthetic graphs). */
export function builtinCode(name: string): number {
  const i = (NAMES as readonly string[]).indexOf(name);
  if (i < 0) throw new Error(`Unknown TFLite builtin operator ${name}`);
  return i;
}

/** `union BuiltinOptions` member ids used here. */
export const OptionsType = {
  NONE: 0, Conv2DOptions: 1, DepthwiseConv2DOptions: 2, Pool2DOptions: 5, FullyConnectedOptions: 8,
  SoftmaxOptions: 9, ConcatenationOptions: 10, AddOptions: 11, ResizeBilinearOptions: 15, ReshapeOptions: 17,
  MulOptions: 21, PadOptions: 22, ReducerOptions: 27, SubOptions: 28, DivOptions: 29, DequantizeOptions: 38,
  ResizeNearestNeighborOptions: 74, SquaredDifferenceOptions: 76, MirrorPadOptions: 77,
} as const;

export type ActivationName = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6' | 'TANH' | 'SIGN_BIT';
export type PaddingName = 'SAME' | 'VALID';

function activation(v: number): ActivationName {
  const hit = Object.entries(Activation).find(([, c]) => c === v);
  if (!hit) throw new Error(`Unknown fused activation function ${v}`);
  return hit[0] as ActivationName;
}

function padding(v: number): PaddingName {
  if (v === Padding.SAME) return 'SAME';
  if (v === Padding.VALID) return 'VALID';
  throw new Error(`Unknown padding ${v}`);
}

export interface ConvOptions {
  padding: PaddingName; strideW: number; strideH: number; dilationW: number; dilationH: number;
  activation: ActivationName; depthMultiplier: number;
}
export interface ActivationOptions { activation: ActivationName }
export interface ReducerOptions { keepDims: boolean }
export interface MirrorPadOptions { mode: 'REFLECT' | 'SYMMETRIC' }
export interface ResizeOptions { alignCorners: boolean; halfPixelCenters: boolean }
export interface ReshapeOptions { newShape: number[] }
export interface PoolOptions {
  padding: PaddingName; strideW: number; strideH: number; filterW: number; filterH: number; activation: ActivationName;
}
export interface ConcatOptions { axis: number; activation: ActivationName }
export interface SoftmaxOptions { beta: number }

export type DecodedOptions =
  | ConvOptions | ActivationOptions | ReducerOptions | MirrorPadOptions | ResizeOptions | ReshapeOptions
  | PoolOptions | ConcatOptions | SoftmaxOptions | Record<string, never>;

/** Which options table each mapped operator carries (NONE: it has no options or an empty table). */
const EXPECTED: Record<string, number[]> = {
  CONV_2D: [OptionsType.Conv2DOptions], DEPTHWISE_CONV_2D: [OptionsType.DepthwiseConv2DOptions],
  ADD: [OptionsType.AddOptions], SUB: [OptionsType.SubOptions], MUL: [OptionsType.MulOptions],
  DIV: [OptionsType.DivOptions], MEAN: [OptionsType.ReducerOptions], SUM: [OptionsType.ReducerOptions],
  MIRROR_PAD: [OptionsType.MirrorPadOptions], RESIZE_NEAREST_NEIGHBOR: [OptionsType.ResizeNearestNeighborOptions],
  RESIZE_BILINEAR: [OptionsType.ResizeBilinearOptions], RESHAPE: [OptionsType.ReshapeOptions],
  AVERAGE_POOL_2D: [OptionsType.Pool2DOptions], MAX_POOL_2D: [OptionsType.Pool2DOptions],
  CONCATENATION: [OptionsType.ConcatenationOptions], SOFTMAX: [OptionsType.SoftmaxOptions],
  FULLY_CONNECTED: [OptionsType.FullyConnectedOptions],
};

/**
 * Decode the builtin options of operator `op` (a schema name). Missing tables mean all defaults, as
 * in the TFLite runtime. Throws when the union type does not match the operator.
 */
export function decodeOptions(op: string, type: number, t: OptionsTable | null): DecodedOptions {
  const expected = EXPECTED[op];
  if (expected && t && !expected.includes(type)) {
    throw new Error(`${op}: builtin_options_type ${type} does not match the operator (expected ${expected.join('/')})`);
  }
  const i8 = (id: number, d = 0) => (t ? t.getInt8(id, d) : d);
  const i32 = (id: number, d = 0) => (t ? t.getInt32(id, d) : d);
  const b = (id: number) => (t ? t.getBool(id) : false);
  switch (op) {
    case 'CONV_2D': // padding 0, stride_w 1, stride_h 2, fused_activation_function 3, dilation_w 4, dilation_h 5
      return { padding: padding(i8(0)), strideW: i32(1), strideH: i32(2), activation: activation(i8(3)),
        dilationW: i32(4, 1), dilationH: i32(5, 1), depthMultiplier: 1 };
    case 'DEPTHWISE_CONV_2D': // padding 0, stride_w 1, stride_h 2, depth_multiplier 3, fused_act 4, dilation_w 5, dilation_h 6
      return { padding: padding(i8(0)), strideW: i32(1), strideH: i32(2), depthMultiplier: i32(3),
        activation: activation(i8(4)), dilationW: i32(5, 1), dilationH: i32(6, 1) };
    case 'ADD': case 'SUB': case 'MUL': case 'DIV': // fused_activation_function 0
      return { activation: activation(i8(0)) };
    case 'MEAN': case 'SUM': // ReducerOptions.keep_dims 0
      return { keepDims: b(0) };
    case 'MIRROR_PAD': { // mode 0
      const m = i8(0);
      if (m !== MirrorPadMode.REFLECT && m !== MirrorPadMode.SYMMETRIC) throw new Error(`MIRROR_PAD: unknown mode ${m}`);
      return { mode: m === MirrorPadMode.REFLECT ? 'REFLECT' : 'SYMMETRIC' };
    }
    case 'RESIZE_NEAREST_NEIGHBOR': // align_corners 0, half_pixel_centers 1
      return { alignCorners: b(0), halfPixelCenters: b(1) };
    case 'RESIZE_BILINEAR': // new_height 0 / new_width 1 (deprecated), align_corners 2, half_pixel_centers 3
      return { alignCorners: b(2), halfPixelCenters: b(3) };
    case 'RESHAPE': // new_shape 0
      return { newShape: t ? t.getInt32Vec(0) : [] };
    case 'AVERAGE_POOL_2D': case 'MAX_POOL_2D': // padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, fused_act 5
      return { padding: padding(i8(0)), strideW: i32(1), strideH: i32(2), filterW: i32(3), filterH: i32(4),
        activation: activation(i8(5)) };
    case 'CONCATENATION': // axis 0, fused_activation_function 1
      return { axis: i32(0), activation: activation(i8(1)) };
    case 'SOFTMAX': // beta 0
      return { beta: t ? t.getFloat32(0, 0) : 0 };
    default:
      return {};
  }
}
