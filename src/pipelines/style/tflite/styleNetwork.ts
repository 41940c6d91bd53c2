/**
 * Ghiasi et al. (2017) arbitrary style transfer from the Magenta TFLite files (thesis §4.3.1):
 * the style predictor P maps a style image to a 100-d embedding z, the transformer T restyles a
 * content image given z (r = T(c, P(s))). Both run as tfjs ops through `TfliteGraph`, so they use
 * whatever backend is active (WebGPU in the app).
 *
 * Sizes: the predictor is fully convolutional with a global mean, so any style size works; 256×256
 * is what it was trained and converted at. The transformer file records 384×384 but is fully
 * convolutional: H and W that are multiples of 4 (≥ 8) run directly (its three resizes keep their
 * ×2, ×2, ×1 factors); other sizes are mirror-padded up to the next multiple of 4 and cropped back.
 */
import * as tf from '@tensorflow/tfjs';
import { loadTfliteGraph, type ActivationMode, type LoadOptions, type TfliteGraph } from './graph';

export const EMBEDDING_SIZE = 100;

export interface StyleNetworkFiles {
  /** predict_int8.tflite */
  predictor: ArrayBuffer | Uint8Array;
  /** transfer_int8.tflite or transfer_fp16.tflite */
  transformer: ArrayBuffer | Uint8Array;
}

function findInput(g: TfliteGraph, channels: number, what: string): string {
  const hit = g.inputs.find((s) => s.shape.length === 4 && s.shape[3] === channels);
  if (!hit) throw new Error(`${what}: no rank-4 input with ${channels} channels among ${g.inputs.map((s) => `${s.name}${JSON.stringify(s.shape)}`).join(', ')}`);
  return hit.name;
}

export class StyleNetwork {
  private readonly styleInput: string;
  private readonly contentInput: string;
  private readonly bottleneckInput: string;

  constructor(readonly predictor: TfliteGraph, readonly transformer: TfliteGraph) {
    this.styleInput = findInput(predictor, 3, 'Style predictor');
    const out = predictor.outputs[0];
    if (predictor.outputs.length !== 1 || out.shape[out.shape.length - 1] !== EMBEDDING_SIZE) {
      throw new Error(`Style predictor must have one output with ${EMBEDDING_SIZE} channels, got ${JSON.stringify(predictor.outputs.map((o) => o.shape))}`);
    }
    if (transformer.inputs.length !== 2 || transformer.outputs.length !== 1) {
      throw new Error(`Style transformer must have 2 inputs and 1 output, got ${transformer.inputs.length} and ${transformer.outputs.length}`);
    }
    this.contentInput = findInput(transformer, 3, 'Style transformer');
    this.bottleneckInput = findInput(transformer, EMBEDDING_SIZE, 'Style transformer');
  }

  /** Load both graphs (weights go to the active tfjs backend). */
  static load(files: StyleNetworkFiles, options: LoadOptions = {}): StyleNetwork {
    const predictor = loadTfliteGraph(files.predictor, options);
    try {
      return new StyleNetwork(predictor, loadTfliteGraph(files.transformer, options));
    } catch (e) {
      predictor.dispose();
      throw e;
    }
  }

  /** P(s): style image [1,H,W,3] with values in [0,1] (256×256 nominal) → embedding [1,1,1,100]. */
  predictStyle(styleImage: tf.Tensor4D, activations?: ActivationMode): tf.Tensor4D {
    if (styleImage.rank !== 4 || styleImage.shape[3] !== 3) throw new Error(`predictStyle expects [1,H,W,3], got ${JSON.stringify(styleImage.shape)}`);
    const out = this.predictor.execute({ [this.styleInput]: styleImage }, { activations });
    return Object.values(out)[0] as tf.Tensor4D;
  }

  /**
   * T(c, z): content image [1,H,W,3] in [0,1] and an embedding (any shape with 100 values, e.g.
   * [1,1,1,100] or [100]) → stylised image [1,H,W,3] in [0,1].
   */
  transfer(content: tf.Tensor4D, bottleneck: tf.Tensor, activations?: ActivationMode): tf.Tensor4D {
    if (content.rank !== 4 || content.shape[0] !== 1 || content.shape[3] !== 3) {
      throw new Error(`transfer expects content [1,H,W,3], got ${JSON.stringify(content.shape)}`);
    }
    if (bottleneck.size !== EMBEDDING_SIZE) throw new Error(`transfer expects a ${EMBEDDING_SIZE}-value embedding, got shape ${JSON.stringify(bottleneck.shape)}`);
    const [, h, w] = content.shape;
    if (h < 8 || w < 8) throw new Error(`transfer needs content of at least 8×8 pixels, got ${h}×${w}`);
    const padH = (4 - (h % 4)) % 4;
    const padW = (4 - (w % 4)) % 4;
    return tf.tidy(() => {
      const c = padH || padW ? tf.mirrorPad(content, [[0, 0], [0, padH], [0, padW], [0, 0]], 'reflect') : content;
      const z = tf.reshape(bottleneck, [1, 1, 1, EMBEDDING_SIZE]);
      const out = this.transformer.execute({ [this.contentInput]: c, [this.bottleneckInput]: z }, { activations });
      const y = Object.values(out)[0] as tf.Tensor4D;
      return padH || padW ? tf.slice(y, [0, 0, 0, 0], [1, h, w, 3]) : y;
    });
  }

  /**
   * The thesis's randomised embedding (eq. 4.8): z = α·sample + (1 − α)·P(c), with `sample` drawn
   * by the caller from N(μ, Σ).
   */
  static interpolate(sample: tf.Tensor, contentEmbedding: tf.Tensor, alpha: number): tf.Tensor4D {
    return tf.tidy(() => tf.reshape(tf.add(tf.mul(sample, alpha), tf.mul(contentEmbedding, 1 - alpha)), [1, 1, 1, EMBEDDING_SIZE]) as tf.Tensor4D);
  }

  dispose(): void {
    this.predictor.dispose();
    this.transformer.dispose();
  }
}
