/**
 * Test-only: a tiny convolutional backbone saved as tfjs layers files (model.json + one shard), for
 * tests of the custom-backbone path without downloading a real model. Two feature layers:
 * `conv_a` (4 maps) and, after a ReLU, `conv_b` (3 maps at stride 2); seeded weights.
 */
import * as tf from '@tensorflow/tfjs';

export async function tinyBackboneFiles(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const input = tf.input({ shape: [null, null, 3] as unknown as number[], name: 'img' });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv_a', kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  const r = tf.layers.reLU({ name: 'relu_a' }).apply(a) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', name: 'conv_b', kernelInitializer: tf.initializers.randomNormal({ seed: 2 }) }).apply(r) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: b });
  let art: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (x) => {
    art = x;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(art!.weightData));
  const json = { modelTopology: art!.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['group1-shard1of1'], weights: art!.weightSpecs }] };
  return [
    { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)) },
    { name: 'group1-shard1of1', bytes: weights },
  ];
}
