/**
 * Page for the parity test: our loader and generator (tfjs 4) on a checkpoint URL. Exposes `window.runOurs`.
 * Magenta checkpoints load with their Python to_rgb scale by default; parity with magenta-js needs its scale,
 * so the page asks for MAGENTA_JS_TO_RGB_HE_SLOPE (and no Cache Storage: each run reads the files it was given).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { generatorForward, pitchesToOneHot } from '../../../src/engine/generator.ts';
import { MAGENTA_JS_TO_RGB_HE_SLOPE, loadModel } from '../../../src/engine/weights.ts';

interface OurResult {
  backend: string;
  format: string;
  specgram: number[];
  shape: number[];
  predictMs: number;
  leakedTensors: number;
  toRgbHeSlope: number | undefined;
}

declare global {
  interface Window {
    runOurs(checkpointUrl: string, z: number[], pitch: number, backend: string): Promise<OurResult>;
    oursReady: boolean;
  }
}

setWasmPaths('/wasm/');

window.runOurs = async (checkpointUrl, z, pitch, backend) => {
  await tf.setBackend(backend);
  await tf.ready();
  const before = tf.memory().numTensors;
  const model = await loadModel(checkpointUrl, { toRgbHeSlope: MAGENTA_JS_TO_RGB_HE_SLOPE, cache: false });
  const zt = tf.tensor2d(z, [1, model.config.latentSize]);
  const onehot = pitchesToOneHot([pitch], model.config);
  const t0 = performance.now();
  const y = generatorForward(model.params, model.config, zt, onehot, { toRgbHeSlope: model.meta.toRgbHeSlope, fused: true });
  const specgram = Array.from(await y.data());
  const predictMs = performance.now() - t0;
  const shape = y.shape.slice();
  tf.dispose([y, zt, onehot]);
  model.dispose();
  return {
    backend: tf.getBackend(), format: model.format, specgram, shape, predictMs, leakedTensors: tf.memory().numTensors - before,
    toRgbHeSlope: model.meta.toRgbHeSlope,
  };
};
window.oursReady = true;
